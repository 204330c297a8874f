package plan

import (
	"context"
	"fmt"

	"github.com/postflight/postflight/harness/compose"
)

// ComposeServices reads the compose file at composePath and returns its
// services with their container ports, from both `ports` (the target side)
// and `expose`, sorted and without duplicates. A service with neither has
// no ports.
//
// Only names and ports are wanted here, so the file is read leniently
// (compose.ForValidation): an unset variable is empty, even when the file
// marks it required (${X:?}).
func ComposeServices(ctx context.Context, composePath string) (map[string][]int, error) {
	project, err := compose.Load(ctx, composePath, compose.ForValidation)
	if err != nil {
		return nil, err
	}
	services := make(map[string][]int, len(project.Services))
	for name, svc := range project.Services {
		ports, err := compose.ServicePorts(svc)
		if err != nil {
			return nil, fmt.Errorf("%s: service %s: %w", composePath, name, err)
		}
		services[name] = ports
	}
	return services, nil
}
