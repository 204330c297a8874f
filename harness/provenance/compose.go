package provenance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/client"
)

// Compose labels, as docker compose sets them.
const (
	LabelComposeProject = "com.docker.compose.project"
	LabelComposeService = "com.docker.compose.service"
)

// ErrNotFound: the compose project or Swarm service has nothing to check.
var ErrNotFound = errors.New("not found")

// Compose checks every service of a compose project: the running
// containers labelled com.docker.compose.project=project, by their
// com.docker.compose.service label, sorted by service name. The error is
// for a daemon that could not be asked, or ErrNotFound for a project with
// no running container.
func (c *Checker) Compose(ctx context.Context, project string) ([]Service, error) {
	list, err := c.docker.ContainerList(ctx, client.ContainerListOptions{
		Filters: make(client.Filters).Add("label", LabelComposeProject+"="+project),
	})
	if err != nil {
		return nil, fmt.Errorf("list containers of compose project %s: %w", project, err)
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("compose project %s: no running container: %w", project, ErrNotFound)
	}
	byName := map[string]*Service{}
	for _, ct := range list.Items {
		name := ct.Labels[LabelComposeService]
		s, ok := byName[name]
		if !ok {
			s = &Service{Name: name, Orchestrator: "compose"}
			byName[name] = s
		}
		inst := Instance{}
		found, err := fromContainer(ctx, c.docker, ct.ID, &inst)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // removed since it was listed
		}
		if s.Image == "" {
			s.Image, err = c.configImage(ctx, ct.ID)
			if err != nil {
				return nil, err
			}
		}
		s.Instances = append(s.Instances, inst)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]Service, 0, len(names))
	for _, n := range names {
		s := byName[n]
		slices.SortFunc(s.Instances, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
		c.judge(ctx, s)
		out = append(out, *s)
	}
	return out, nil
}

// configImage is the image reference a container was created with.
func (c *Checker) configImage(ctx context.Context, id string) (string, error) {
	ct, err := c.docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect container %s: %w", id, err)
	}
	if ct.Container.Config == nil {
		return "", nil
	}
	return ct.Container.Config.Image, nil
}
