package stack

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadCompose reads a compose file as `docker compose` would, with the
// process environment for interpolation.
func LoadCompose(ctx context.Context, path string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithOsEnv,
		cli.WithName("postflight"),
	)
	if err != nil {
		return nil, fmt.Errorf("read compose file %s: %w", path, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("read compose file %s: %w", path, err)
	}
	return p, nil
}

// ServicePorts lists a compose service's container ports (from ports and
// expose), sorted, without duplicates.
func ServicePorts(s types.ServiceConfig) []int {
	seen := map[int]bool{}
	for _, p := range s.Ports {
		if p.Protocol == "" || p.Protocol == "tcp" {
			seen[int(p.Target)] = true
		}
	}
	for _, e := range s.Expose {
		// expose entries are "8080", "8080/tcp" or ranges "8000-8001".
		e = strings.TrimSuffix(e, "/tcp")
		lo, hi, isRange := strings.Cut(e, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for p := a; p <= b; p++ {
			seen[p] = true
		}
	}
	ports := make([]int, 0, len(seen))
	for p := range seen {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	return ports
}
