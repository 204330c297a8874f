package rollout

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/result"
)

// MaxTasksChecked is how many tasks of a side the checks run against, one
// after the other, in slot order.
const MaxTasksChecked = 3

// taskEndpoints resolves the services a rollout moves to one task of one
// side (the canary's during a step, the stable service's when verifying):
// the task-th of each service (wrapping around a service with fewer), so a
// check that writes and then reads talks to one task. Other services
// resolve as the plan says.
type taskEndpoints struct {
	tasks map[string][]Task // by stack service
	other result.Endpoints
	task  int
}

var _ result.Endpoints = (*taskEndpoints)(nil)

// sides lists the endpoints the checks run against: one per task of the
// service with the most, up to MaxTasksChecked.
func sides(tasks map[string][]Task, other result.Endpoints) []*taskEndpoints {
	n := 1
	for _, ts := range tasks {
		n = max(n, min(len(ts), MaxTasksChecked))
	}
	out := make([]*taskEndpoints, n)
	for i := range out {
		out[i] = &taskEndpoints{tasks: tasks, other: other, task: i}
	}
	return out
}

// beside is the other side of e: the same task index among tasks (the
// stable service's beside a canary's), and the same services the rollout
// does not move.
func (e *taskEndpoints) beside(tasks map[string][]Task) *taskEndpoints {
	return &taskEndpoints{tasks: tasks, other: e.other, task: e.task}
}

// String names the tasks, "writer.2", for the results of a check run
// against several.
func (e *taskEndpoints) String() string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(e.tasks)) {
		if ts := e.tasks[name]; len(ts) > 0 {
			parts = append(parts, fmt.Sprintf("%s.%d", name, ts[e.task%len(ts)].Slot))
		}
	}
	return strings.Join(parts, ", ")
}

// BaseURL implements result.Endpoints. Port 0 is the service's only
// container port.
func (e *taskEndpoints) BaseURL(service string, port int) (string, error) {
	tasks, ok := e.tasks[service]
	if !ok {
		return e.other.BaseURL(service, port)
	}
	if len(tasks) == 0 {
		return "", fmt.Errorf("service %s has no running task", service)
	}
	t := tasks[e.task%len(tasks)]
	if port == 0 {
		if len(t.Ports) != 1 {
			targets := slices.Sorted(maps.Keys(t.Ports))
			return "", fmt.Errorf("task %s of service %s publishes %d container ports %v: name one in the check's port", t.ID, service, len(t.Ports), targets)
		}
		for target := range t.Ports {
			port = target
		}
	}
	published, ok := t.Ports[port]
	if !ok {
		return "", fmt.Errorf("task %s of service %s publishes no port %d: the stable service must publish the port the checks reach", t.ID, service, port)
	}
	return "http://" + answering(t.Addr, published), nil
}

// answering is addr with the first of ports that accepts a connection, or
// the first port when none does (the check then says what went wrong).
func answering(addr string, ports []int) string {
	hp := func(p int) string { return net.JoinHostPort(addr, strconv.Itoa(p)) }
	if len(ports) == 1 {
		return hp(ports[0])
	}
	for _, p := range ports {
		if c, err := net.DialTimeout("tcp", hp(p), dialProbe); err == nil {
			c.Close()
			return hp(p)
		}
	}
	return hp(ports[0])
}

// dialProbe bounds the connection that tells which of a task's ports
// answers.
const dialProbe = 500 * time.Millisecond
