package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// Resource is a container or network postflight created.
type Resource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Resources are containers and networks.
type Resources struct {
	Containers []Resource `json:"containers"`
	Networks   []Resource `json:"networks"`
}

// Len is how many resources there are.
func (r Resources) Len() int { return len(r.Containers) + len(r.Networks) }

// Labelled lists the containers (running or not) and networks that carry
// every one of the labels, each given as "key=value".
func Labelled(ctx context.Context, cli *client.Client, labels ...string) (Resources, error) {
	var out Resources
	f := make(client.Filters).Add("label", labels...)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers labelled %v: %w", labels, err)
	}
	for _, c := range cs.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0][1:]
		}
		out.Containers = append(out.Containers, Resource{ID: c.ID, Name: name})
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, fmt.Errorf("list networks labelled %v: %w", labels, err)
	}
	for _, n := range ns.Items {
		out.Networks = append(out.Networks, Resource{ID: n.ID, Name: n.Name})
	}
	return out, nil
}

// RunLabels are the label filters for postflight's resources: all of them
// when runID is empty, else those of one run.
func RunLabels(runID string) []string {
	if runID == "" {
		return []string{LabelManaged + "=true"}
	}
	return []string{LabelManaged + "=true", LabelRun + "=" + runID}
}

// Sweep removes every container and network carrying postflight's labels
// (see RunLabels) and returns what it removed. Containers go first, since a
// network in use cannot be removed.
func Sweep(ctx context.Context, cli *client.Client, runID string) (Resources, error) {
	var removed Resources
	found, err := Labelled(ctx, cli, RunLabels(runID)...)
	if err != nil {
		return removed, err
	}
	var errs []error
	for _, c := range found.Containers {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.Name, err))
			continue
		}
		removed.Containers = append(removed.Containers, c)
	}
	for _, n := range found.Networks {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		removed.Networks = append(removed.Networks, n)
	}
	return removed, errors.Join(errs...)
}
