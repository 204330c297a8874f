package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeProject is the project name given to the loader, so that it need
// not guess one from a directory name.
const composeProject = "postflight"

// ComposeServices reads the compose file at composePath and returns its
// services with their container ports, from both `ports` (the target side)
// and `expose`, sorted and without duplicates. A service with neither has
// no ports.
//
// Only names and ports are wanted here, so the file is read leniently where
// deployment would be strict: variables come from the process environment
// and an unset one is empty, even when the file marks it required (${X:?});
// env_file entries are not read and references between services are not
// checked.
func ComposeServices(ctx context.Context, composePath string) (map[string][]int, error) {
	data, err := os.ReadFile(composePath)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(composePath)
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: composePath, Content: data}},
		Environment: types.NewMapping(os.Environ()),
	}
	project, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(composeProject, true)
		o.SkipConsistencyCheck = true
		o.SkipResolveEnvironment = true
		o.ResolvePaths = false
		o.Interpolate.Substitute = substituteLeniently
	})
	if err != nil {
		return nil, err
	}
	services := make(map[string][]int, len(project.Services))
	for name, svc := range project.Services {
		ports, err := ServicePorts(svc)
		if err != nil {
			return nil, fmt.Errorf("%s: service %s: %w", composePath, name, err)
		}
		services[name] = ports
	}
	return services, nil
}

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

// substituteLeniently interpolates like compose does, without logging unset
// variables and with an unset required variable read as empty.
func substituteLeniently(s string, m template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, m,
		template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			v, err := template.DefaultReplacementFunc(sub, m, cfg)
			var missing *template.MissingRequiredError
			if errors.As(err, &missing) {
				return "", nil
			}
			return v, err
		}))
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
