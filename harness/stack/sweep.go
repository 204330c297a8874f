package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// Removed lists what Sweep removed.
type Removed struct {
	Containers []string `json:"containers"`
	Networks   []string `json:"networks"`
}

// Sweep removes every container and network carrying postflight's labels:
// all of them when runID is empty, else those of that run. Containers go
// first, since a network in use cannot be removed.
func Sweep(ctx context.Context, cli *client.Client, runID string) (Removed, error) {
	var out Removed
	f := make(client.Filters).Add("label", LabelManaged+"=true")
	if runID != "" {
		f.Add("label", LabelRun+"="+runID)
	}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list postflight containers: %w", err)
	}
	var errs []error
	for _, c := range cs.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0][1:]
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", name, err))
			continue
		}
		out.Containers = append(out.Containers, name)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, errors.Join(append(errs, fmt.Errorf("list postflight networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	return out, errors.Join(errs...)
}
