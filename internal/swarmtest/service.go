package swarmtest

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// SetImage updates a service to image, as `docker service update --image`
// does when the registry cannot be reached (the reference is not pinned to
// a digest), and returns at once: see WaitRunning.
func SetImage(ctx context.Context, cli *client.Client, service, image string) error {
	svc, err := cli.ServiceInspect(ctx, service, client.ServiceInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect swarm service %s: %w", service, err)
	}
	spec := svc.Service.Spec
	if spec.TaskTemplate.ContainerSpec == nil {
		return fmt.Errorf("swarm service %s runs no container", service)
	}
	cs := *spec.TaskTemplate.ContainerSpec
	cs.Image = image
	spec.TaskTemplate.ContainerSpec = &cs
	if _, err := cli.ServiceUpdate(ctx, svc.Service.ID, client.ServiceUpdateOptions{Version: svc.Service.Version, Spec: spec}); err != nil {
		return fmt.Errorf("update swarm service %s to %s: %w", service, image, err)
	}
	return nil
}

// WaitRunning waits, up to timeout, until n tasks of a service run image
// (as their spec names it), on n different nodes, and no task of another
// image runs.
func WaitRunning(ctx context.Context, cli *client.Client, service, image string, n int, timeout time.Duration) error {
	svc, err := cli.ServiceInspect(ctx, service, client.ServiceInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect swarm service %s: %w", service, err)
	}
	id := svc.Service.ID
	deadline := time.Now().Add(timeout)
	for {
		tasks, err := cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", id)})
		if err != nil {
			return fmt.Errorf("list the tasks of swarm service %s: %w", service, err)
		}
		nodes, other := map[string]bool{}, 0
		for _, t := range tasks.Items {
			if t.ServiceID != id || t.Status.State != swarm.TaskStateRunning || t.Spec.ContainerSpec == nil {
				continue
			}
			if t.Spec.ContainerSpec.Image == image {
				nodes[t.NodeID] = true
			} else {
				other++
			}
		}
		if len(nodes) == n && other == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("swarm service %s: %d node(s) running %s, %d task(s) of another image after %s; want %d",
				service, len(nodes), image, other, timeout, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
