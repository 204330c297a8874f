package hygiene

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/client"
	"github.com/postflight/postflight/harness/result"
)

// Report is what Inspect found: one orphan result, and one result per port.
type Report struct {
	Orphans Orphans `json:"orphans"`
	Ports   []Port  `json:"ports"`
}

// Results are the report's check results; Name and Phase are the caller's
// to set.
func (r *Report) Results() []result.Result {
	out := []result.Result{r.Orphans.Result()}
	for i := range r.Ports {
		out = append(out, r.Ports[i].Result())
	}
	return out
}

// Inspect lists the host's containers (running or not) and probes the
// stack's ports. The error is for a daemon that could not be asked.
func Inspect(ctx context.Context, docker Docker, st Stack) (*Report, error) {
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	r := &Report{}
	related := 0
	publishers := map[int][]Container{}
	for _, s := range list.Items {
		c, ok := st.relate(s)
		if !ok {
			continue
		}
		related++
		if !c.Known {
			r.Orphans.Containers = append(r.Orphans.Containers, c)
		}
		for _, p := range c.Ports {
			publishers[p] = append(publishers[p], c)
		}
	}
	slices.SortFunc(r.Orphans.Containers, func(a, b Container) int { return strings.Compare(a.Name, b.Name) })
	r.Orphans.conclude(related)
	ports := slices.Clone(st.Ports)
	slices.Sort(ports)
	for _, p := range slices.Compact(ports) {
		port := Port{Port: p}
		port.check(publishers[p])
		r.Ports = append(r.Ports, port)
	}
	return r, nil
}
