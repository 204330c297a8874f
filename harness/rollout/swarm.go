package rollout

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/daemon"
	"github.com/postflight/postflight/harness/rollback"
)

// Labels a canary service carries.
const (
	labelCanaryOf = "io.postflight.canary.of"
	labelManaged  = "io.postflight.managed"
	labelRun      = "io.postflight.run"
)

// Task states as the journal shows them: running, or still running but
// told to stop.
const (
	stateRunning  = "running"
	stateStopping = "stopping"
)

// convergePoll is how often convergence is checked.
const convergePoll = 200 * time.Millisecond

// swarmOps changes and reads Swarm services through a manager's API alone:
// task state, node and ports come from the manager, never from a node's
// containers, so the rollout works the same on a cluster of several nodes.
type swarmOps struct {
	cli     *client.Client
	host    string
	timeout time.Duration
	nodes   map[string]string // node ID -> address
}

func newSwarmOps(ctx context.Context, host string, timeout time.Duration) (*swarmOps, error) {
	cli, err := daemon.Client(ctx, host)
	if err != nil {
		return nil, err
	}
	return &swarmOps{cli: cli, host: host, timeout: timeout, nodes: map[string]string{}}, nil
}

func (s *swarmOps) close() error { return s.cli.Close() }

// inspect reads a service; found is false when it does not exist.
func (s *swarmOps) inspect(ctx context.Context, name string) (svc swarm.Service, found bool, err error) {
	res, err := s.cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return swarm.Service{}, false, nil
	}
	if err != nil {
		return swarm.Service{}, false, fmt.Errorf("inspect swarm service %s: %w", name, err)
	}
	if res.Service.Spec.TaskTemplate.ContainerSpec == nil {
		return swarm.Service{}, false, fmt.Errorf("swarm service %s runs no container", name)
	}
	return res.Service, true, nil
}

// stable reads a stable service and its replica count.
func (s *swarmOps) stable(ctx context.Context, name string) (swarm.Service, int, error) {
	svc, found, err := s.inspect(ctx, name)
	if err != nil {
		return svc, 0, err
	}
	if !found {
		return svc, 0, fmt.Errorf("swarm service %s does not exist", name)
	}
	if svc.Spec.Mode.Replicated == nil || svc.Spec.Mode.Replicated.Replicas == nil {
		return svc, 0, fmt.Errorf("swarm service %s is not replicated: a canary moves a share of a replicated service's tasks", name)
	}
	return svc, int(*svc.Spec.Mode.Replicated.Replicas), nil
}

// update changes a service's spec by change, retrying when the service
// changed between the read and the write.
func (s *swarmOps) update(ctx context.Context, name string, change func(*swarm.ServiceSpec)) error {
	for attempt := 0; ; attempt++ {
		svc, found, err := s.inspect(ctx, name)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("swarm service %s does not exist", name)
		}
		spec := svc.Spec
		cs := *spec.TaskTemplate.ContainerSpec
		spec.TaskTemplate.ContainerSpec = &cs
		change(&spec)
		_, err = s.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: spec})
		if err != nil && strings.Contains(err.Error(), "out of sequence") && attempt < 5 {
			continue
		}
		if err != nil {
			return fmt.Errorf("update swarm service %s: %w", name, err)
		}
		return nil
	}
}

// set puts a service on image with n replicas.
func (s *swarmOps) set(ctx context.Context, name, image string, n int) error {
	return s.update(ctx, name, func(spec *swarm.ServiceSpec) {
		spec.TaskTemplate.ContainerSpec.Image = image
		replicas := uint64(n)
		spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &replicas}
	})
}

// canarySpec is the canary of a stable service: the same spec, named
// <service>-canary, on image, with n replicas, on the same networks with
// the stable service's name as a network alias, and its ports published
// in host mode on ports Swarm picks, which the manager reports per task.
func canarySpec(stable swarm.Service, name, image, runID string, n int) swarm.ServiceSpec {
	spec := stable.Spec
	spec.Name = name
	spec.Labels = maps.Clone(spec.Labels)
	if spec.Labels == nil {
		spec.Labels = map[string]string{}
	}
	spec.Labels[labelCanaryOf] = stable.Spec.Name
	spec.Labels[labelManaged] = "true"
	spec.Labels[labelRun] = runID
	cs := *spec.TaskTemplate.ContainerSpec
	cs.Image = image
	spec.TaskTemplate.ContainerSpec = &cs
	nets := slices.Clone(spec.TaskTemplate.Networks)
	for i := range nets {
		if !slices.Contains(nets[i].Aliases, stable.Spec.Name) {
			nets[i].Aliases = append(slices.Clone(nets[i].Aliases), stable.Spec.Name)
		}
	}
	spec.TaskTemplate.Networks = nets
	replicas := uint64(n)
	spec.Mode = swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}}
	if ep := spec.EndpointSpec; ep != nil {
		e := *ep
		e.Ports = nil
		for _, p := range ep.Ports {
			e.Ports = append(e.Ports, swarm.PortConfig{Name: p.Name, Protocol: p.Protocol, TargetPort: p.TargetPort, PublishMode: swarm.PortConfigPublishModeHost})
		}
		spec.EndpointSpec = &e
	}
	return spec
}

// ensureCanary creates the canary service, or puts it on image with n
// replicas when it exists.
func (s *swarmOps) ensureCanary(ctx context.Context, stableName, name, image, runID string, n int) error {
	_, found, err := s.inspect(ctx, name)
	if err != nil {
		return err
	}
	if found {
		return s.set(ctx, name, image, n)
	}
	stable, _, err := s.stable(ctx, stableName)
	if err != nil {
		return err
	}
	if _, err := s.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: canarySpec(stable, name, image, runID, n)}); err != nil {
		return fmt.Errorf("create canary swarm service %s: %w", name, err)
	}
	return nil
}

// remove removes a service; one already gone is fine.
func (s *swarmOps) remove(ctx context.Context, name string) error {
	_, err := s.cli.ServiceRemove(ctx, name, client.ServiceRemoveOptions{})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove swarm service %s: %w", name, err)
	}
	return nil
}

// converge waits until a service runs n tasks of image and no task of
// another image, and returns its running tasks. n = 0 also waits for the
// service's last task to go, when the service is being removed (absent
// is converged).
func (s *swarmOps) converge(ctx context.Context, name, image string, n int) ([]Task, error) {
	deadline := time.Now().Add(s.timeout)
	for {
		tasks, lastErr, err := s.tasks(ctx, name)
		if err != nil {
			return nil, err
		}
		good, stale := 0, 0
		for _, t := range tasks {
			if t.State == stateRunning && rollback.SameImage(t.Image, image) {
				good++
			} else {
				stale++ // another image, or a task being stopped
			}
		}
		if good == n && stale == 0 {
			return tasks, nil
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("swarm service %s did not converge on %d task(s) of %s within %s: %d running it, %d of another image or stopping", name, n, image, s.timeout, good, stale)
			if lastErr != "" {
				msg += "; last task error: " + lastErr
			}
			return tasks, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return tasks, fmt.Errorf("wait for swarm service %s: %w", name, ctx.Err())
		case <-time.After(convergePoll):
		}
	}
}

// tasks lists a service's running tasks (desired and observed), with the
// latest error of a failed or rejected one; none when the service does
// not exist.
func (s *swarmOps) tasks(ctx context.Context, name string) ([]Task, string, error) {
	svc, found, err := s.inspect(ctx, name)
	if err != nil || !found {
		return nil, "", err
	}
	res, err := s.cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", svc.ID)})
	if err != nil {
		return nil, "", fmt.Errorf("list the tasks of swarm service %s: %w", name, err)
	}
	var out []Task
	var lastErr string
	var newest time.Time
	for _, t := range res.Items {
		if t.ServiceID != svc.ID {
			continue
		}
		img := ""
		if t.Spec.ContainerSpec != nil {
			img = t.Spec.ContainerSpec.Image
		}
		switch {
		case t.Status.State == swarm.TaskStateRunning && t.DesiredState == swarm.TaskStateRunning:
			addr, err := s.nodeAddr(ctx, t.NodeID)
			if err != nil {
				return nil, "", err
			}
			out = append(out, Task{Service: name, ID: t.ID, Slot: t.Slot, Node: t.NodeID, Addr: addr, Image: img, State: stateRunning, Ports: taskPorts(svc, t)})
		case t.Status.State == swarm.TaskStateRunning:
			// being stopped: still running the old image, unless its node
			// is down (the task went with it, and will never say it stopped)
			down, err := s.nodeDown(ctx, t.NodeID)
			if err != nil {
				return nil, "", err
			}
			if !down {
				out = append(out, Task{Service: name, ID: t.ID, Slot: t.Slot, Node: t.NodeID, Image: img, State: stateStopping})
			}
		case (t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected) && t.Status.Timestamp.After(newest):
			newest, lastErr = t.Status.Timestamp, strings.TrimSpace(t.Status.Err+" "+t.Status.Message)
		}
	}
	slices.SortFunc(out, func(a, b Task) int { return a.Slot - b.Slot })
	return out, lastErr, nil
}

// taskPorts maps a task's target ports to the ports it may answer on at
// its node: the ones it publishes in host mode, else the service's ingress
// ports. A port published on a random host port can have two: the daemon
// may pick one for IPv4 and another for IPv6, and the manager does not say
// which is which (taskEndpoints finds the one that answers).
func taskPorts(svc swarm.Service, t swarm.Task) map[int][]int {
	out := map[int][]int{}
	add := func(target, published uint32) {
		if published != 0 && !slices.Contains(out[int(target)], int(published)) {
			out[int(target)] = append(out[int(target)], int(published))
		}
	}
	for _, p := range t.Status.PortStatus.Ports {
		add(p.TargetPort, p.PublishedPort)
	}
	if len(out) > 0 {
		return out
	}
	for _, p := range svc.Endpoint.Ports {
		if p.PublishMode == swarm.PortConfigPublishModeIngress {
			add(p.TargetPort, p.PublishedPort)
		}
	}
	return out
}

// nodeAddr is the address a node answers on, from the manager. A node
// that reports none (0.0.0.0) is reached at the manager's host.
func (s *swarmOps) nodeAddr(ctx context.Context, id string) (string, error) {
	if a, ok := s.nodes[id]; ok {
		return a, nil
	}
	res, err := s.cli.NodeInspect(ctx, id, client.NodeInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect swarm node %s: %w", id, err)
	}
	addr := res.Node.Status.Addr
	if addr == "" || addr == "0.0.0.0" {
		addr = managerHost(s.host)
	}
	s.nodes[id] = addr
	return addr, nil
}

// lost says what happened, since the tasks were listed, to the nodes they
// run on and to the tasks themselves: a node no longer ready and active,
// or a task no longer running (rescheduled, failed). Empty when nothing
// did: the step's checks were run against the cluster the step converged
// to.
func (s *swarmOps) lost(ctx context.Context, tasks []Task) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, t := range tasks {
		if t.State != stateRunning || seen[t.Node] {
			continue
		}
		seen[t.Node] = true
		res, err := s.cli.NodeInspect(ctx, t.Node, client.NodeInspectOptions{})
		if err != nil {
			return nil, fmt.Errorf("inspect swarm node %s: %w", t.Node, err)
		}
		n := res.Node
		if n.Status.State != swarm.NodeStateReady || n.Spec.Availability != swarm.NodeAvailabilityActive {
			out = append(out, fmt.Sprintf("node %s (%s) is %s, %s", n.Description.Hostname, t.Node, n.Status.State, n.Spec.Availability))
		}
	}
	running := map[string]bool{}
	for _, name := range servicesOf(tasks) {
		now, _, err := s.tasks(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, t := range now {
			if t.State == stateRunning {
				running[t.ID] = true
			}
		}
	}
	for _, t := range tasks {
		if t.State == stateRunning && !running[t.ID] {
			out = append(out, fmt.Sprintf("task %s of %s (slot %d) no longer runs", t.ID, t.Service, t.Slot))
		}
	}
	return out, nil
}

// servicesOf lists the services of tasks, in order of first appearance.
func servicesOf(tasks []Task) []string {
	var out []string
	for _, t := range tasks {
		if !slices.Contains(out, t.Service) {
			out = append(out, t.Service)
		}
	}
	return out
}

// nodeDown says whether the manager counts a node as down: the last state
// its tasks reported is all there is of them.
func (s *swarmOps) nodeDown(ctx context.Context, id string) (bool, error) {
	res, err := s.cli.NodeInspect(ctx, id, client.NodeInspectOptions{})
	if err != nil {
		return false, fmt.Errorf("inspect swarm node %s: %w", id, err)
	}
	return res.Node.Status.State == swarm.NodeStateDown, nil
}

// managerHost is the host of a tcp:// daemon address, else 127.0.0.1.
func managerHost(host string) string {
	if u, err := url.Parse(host); err == nil && u.Scheme == "tcp" {
		if h, _, err := net.SplitHostPort(u.Host); err == nil {
			return h
		}
	}
	return "127.0.0.1"
}
