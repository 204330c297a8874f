package stack

import (
	"slices"
	"sort"

	"github.com/postflight/postflight/harness/compose"
)

// Services lists the services of the existing stack, sorted.
func (e *Existing) Services() []string {
	out := make([]string, 0, len(e.urls))
	for n := range e.urls {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Services lists the replica's running services that have a port to
// reach them at, sorted.
func (r *Replica) Services() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name := range r.containers {
		svc, err := r.project.GetService(name)
		if err != nil {
			continue
		}
		if ports, err := compose.ServicePorts(svc); err == nil && len(ports) > 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Ports lists the container ports of a service of the replica, sorted; none
// before it is up.
func (r *Replica) Ports(service string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.project == nil {
		return nil
	}
	svc, err := r.project.GetService(service)
	if err != nil {
		return nil
	}
	ports, err := compose.ServicePorts(svc)
	if err != nil {
		return nil
	}
	return ports
}
