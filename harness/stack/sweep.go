package stack

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Resource is a container or network postflight created.
type Resource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Owner is "PID@HOST" of the run's process; Live says it still runs.
	Owner string `json:"owner,omitempty"`
	Live  bool   `json:"live"`
}

// Resources are containers and networks.
type Resources struct {
	Containers []Resource `json:"containers"`
	Networks   []Resource `json:"networks"`
}

// Len is how many resources there are.
func (r Resources) Len() int { return len(r.Containers) + len(r.Networks) }

// labelSwarmTask marks a container Swarm runs as a task of a service.
const labelSwarmTask = "com.docker.swarm.task.id"

// Labelled lists the containers (running or not) and networks that carry
// every one of the labels, each given as "key=value". Containers of Swarm
// services are left out: Swarm owns them, and would start another for
// each one removed; so are networks a Swarm service is attached to.
func Labelled(ctx context.Context, cli *client.Client, labels ...string) (Resources, error) {
	var out Resources
	f := make(client.Filters).Add("label", labels...)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers labelled %v: %w", labels, err)
	}
	for _, c := range cs.Items {
		if _, task := c.Labels[labelSwarmTask]; task {
			continue
		}
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0][1:]
		}
		out.Containers = append(out.Containers, resource(c.ID, name, c.Labels))
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, fmt.Errorf("list networks labelled %v: %w", labels, err)
	}
	inUse := serviceNetworks(ctx, cli)
	for _, n := range ns.Items {
		if inUse[n.ID] || inUse[n.Name] {
			continue
		}
		out.Networks = append(out.Networks, resource(n.ID, n.Name, n.Labels))
	}
	return out, nil
}

// serviceNetworks are the networks (by ID and by name) Swarm services are
// attached to: Swarm's while a service uses them, not cleanup's. None
// when the daemon is no Swarm manager.
func serviceNetworks(ctx context.Context, cli *client.Client) map[string]bool {
	res, err := cli.ServiceList(ctx, client.ServiceListOptions{})
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, svc := range res.Items {
		for _, n := range svc.Spec.TaskTemplate.Networks {
			out[n.Target] = true
		}
		for _, v := range svc.Endpoint.VirtualIPs {
			out[v.NetworkID] = true
		}
	}
	return out
}

func resource(id, name string, labels map[string]string) Resource {
	o := labels[LabelOwner]
	return Resource{ID: id, Name: name, Owner: o, Live: o != "" && ownerAlive(o)}
}

// RunLabels are the label filters for postflight's resources: all of them
// when runID is empty, else those of one run.
func RunLabels(runID string) []string {
	if runID == "" {
		return []string{LabelManaged + "=true"}
	}
	return []string{LabelManaged + "=true", LabelRun + "=" + runID}
}

// Sweep removes the containers and networks carrying postflight's labels
// (see RunLabels) and returns what it removed and what it left. Without a
// run id it leaves alone the resources of runs whose process still runs on
// this host, unless all is set; a run id names the run to remove, live or
// not. Containers go first, since a network in use cannot be removed.
func Sweep(ctx context.Context, cli *client.Client, runID string, all bool) (removed, kept Resources, err error) {
	found, err := Labelled(ctx, cli, RunLabels(runID)...)
	if err != nil {
		return removed, kept, err
	}
	if runID == "" && !all {
		found, kept = found.Split()
	}
	var errs []error
	for _, c := range found.Containers {
		// One gone meanwhile (its run ended) needs no removing.
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.Name, err))
			continue
		}
		removed.Containers = append(removed.Containers, c)
	}
	for _, n := range found.Networks {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		removed.Networks = append(removed.Networks, n)
	}
	return removed, kept, errors.Join(errs...)
}

// Split parts resources of finished (or killed) runs from those of live ones.
func (r Resources) Split() (dead, live Resources) {
	for _, c := range r.Containers {
		if c.Live {
			live.Containers = append(live.Containers, c)
		} else {
			dead.Containers = append(dead.Containers, c)
		}
	}
	for _, n := range r.Networks {
		if n.Live {
			live.Networks = append(live.Networks, n)
		} else {
			dead.Networks = append(dead.Networks, n)
		}
	}
	return dead, live
}
