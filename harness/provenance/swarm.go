package provenance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/slo"
)

// Swarm checks Swarm services, by name or ID, and each of their tasks
// whose desired state is running. A task whose container is on this host is
// judged by the image the container runs; one on another node by the digest
// its spec pins, if any. The error is for a daemon that could not be asked
// (not a manager, or the service does not exist: ErrNotFound).
func (c *Checker) Swarm(ctx context.Context, services ...string) ([]Service, error) {
	out := make([]Service, 0, len(services))
	for _, name := range services {
		svc, err := c.docker.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
		if err != nil {
			if cerrdefs.IsNotFound(err) {
				return nil, fmt.Errorf("swarm service %s: %w", name, ErrNotFound)
			}
			return nil, fmt.Errorf("inspect swarm service %s: %w", name, err)
		}
		s := Service{Name: svc.Service.Spec.Name, Orchestrator: "swarm"}
		if cs := svc.Service.Spec.TaskTemplate.ContainerSpec; cs != nil {
			s.Image = cs.Image
		}
		tasks, err := c.docker.TaskList(ctx, client.TaskListOptions{
			Filters: make(client.Filters).Add("service", svc.Service.ID).Add("desired-state", "running"),
		})
		if err != nil {
			return nil, fmt.Errorf("list tasks of swarm service %s: %w", name, err)
		}
		for _, t := range tasks.Items {
			inst, err := c.task(ctx, s.Name, t)
			if err != nil {
				return nil, err
			}
			s.Instances = append(s.Instances, inst)
		}
		slices.SortFunc(s.Instances, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
		c.judge(ctx, &s)
		out = append(out, s)
	}
	return out, nil
}

// task describes what one task runs.
func (c *Checker) task(ctx context.Context, service string, t swarm.Task) (Instance, error) {
	inst := Instance{Task: t.ID, Node: t.NodeID, State: string(t.Status.State)}
	if t.Slot > 0 {
		inst.Name = fmt.Sprintf("%s.%d", service, t.Slot)
	} else {
		inst.Name = service + "." + t.NodeID
	}
	if cs := t.Spec.ContainerSpec; cs != nil {
		inst.Pinned = parseReference(cs.Image).Digest
	}
	if t.Status.State != swarm.TaskStateRunning {
		inst.unseen = fmt.Sprintf("the task is %s, not running", t.Status.State)
		if t.Status.Err != "" {
			inst.unseen += ": " + t.Status.Err
		}
		inst.found(slo.NotMeasured(inst.unseen))
		return inst, nil
	}
	if t.Status.ContainerStatus != nil && t.Status.ContainerStatus.ContainerID != "" {
		name := inst.Name
		if _, err := fromContainer(ctx, c.docker, t.Status.ContainerStatus.ContainerID, &inst); err != nil {
			return inst, err
		}
		inst.Name = name
	}
	return inst, nil
}
