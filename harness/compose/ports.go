package compose

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// ServicePorts lists a compose service's container ports, from `ports` (the
// target side) and `expose`, sorted and without duplicates.
func ServicePorts(svc types.ServiceConfig) ([]int, error) {
	var ports []int
	for _, p := range svc.Ports {
		if p.Target > 0 {
			ports = append(ports, int(p.Target))
		}
	}
	for _, e := range svc.Expose {
		exposed, err := exposedPorts(e)
		if err != nil {
			return nil, err
		}
		ports = append(ports, exposed...)
	}
	slices.Sort(ports)
	return slices.Compact(ports), nil
}

// exposedPorts parses an `expose` entry: "8080", "8080/tcp", "4000-4002".
func exposedPorts(e string) ([]int, error) {
	spec, _, _ := strings.Cut(e, "/")
	lo, hi, isRange := strings.Cut(spec, "-")
	first, err := strconv.Atoi(lo)
	if err != nil || first < 1 || first > 65535 {
		return nil, fmt.Errorf("expose %q: not a port", e)
	}
	last := first
	if isRange {
		last, err = strconv.Atoi(hi)
		if err != nil || last < first || last > 65535 {
			return nil, fmt.Errorf("expose %q: not a port range", e)
		}
	}
	ports := make([]int, 0, last-first+1)
	for p := first; p <= last; p++ {
		ports = append(ports, p)
	}
	return ports, nil
}
