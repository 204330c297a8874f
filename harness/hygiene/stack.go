// Package hygiene looks at the host around a stack: containers that
// publish the stack's ports or carry its names but belong to no compose
// project, Swarm service or postflight run it knows (the orphans a daemon
// upgrade leaves behind), and the stack's ports held by something else,
// down to an orphaned docker-proxy no container claims.
package hygiene

import (
	"context"
	"slices"
	"strings"

	"github.com/moby/moby/client"
)

// Stack is what belongs to the stack under test and what it needs.
type Stack struct {
	// Ports are the host ports the stack publishes or needs.
	Ports []int `json:"ports"`
	// Names are the stack's container names. A container carries one when
	// its name is the name, or starts with it followed by "-", "_" or "."
	// (compose's project-service-1, Swarm's service.1.id).
	Names []string `json:"names"`
	// Projects, Services and Runs are the owners postflight knows: compose
	// projects, Swarm services and postflight run IDs. Their containers are
	// the stack's.
	Projects []string `json:"projects,omitempty"`
	Services []string `json:"services,omitempty"`
	Runs     []string `json:"runs,omitempty"`
}

// Labels that say who owns a container.
const (
	LabelComposeProject = "com.docker.compose.project"
	LabelSwarmService   = "com.docker.swarm.service.name"
	LabelPostflightRun  = "io.postflight.run"
)

// owner says who a container's labels say owns it, and whether the stack
// knows that owner.
func (st Stack) owner(labels map[string]string) (owner string, known bool) {
	var owners []string
	if p, ok := labels[LabelComposeProject]; ok {
		owners = append(owners, "compose project "+p)
		known = known || slices.Contains(st.Projects, p)
	}
	if s, ok := labels[LabelSwarmService]; ok {
		owners = append(owners, "swarm service "+s)
		known = known || slices.Contains(st.Services, s)
	}
	if r, ok := labels[LabelPostflightRun]; ok {
		owners = append(owners, "postflight run "+r)
		known = known || slices.Contains(st.Runs, r)
	}
	return strings.Join(owners, ", "), known
}

// carriesName returns the stack name a container name carries, "" if none.
func (st Stack) carriesName(name string) string {
	for _, n := range st.Names {
		if name == n {
			return n
		}
		if rest, ok := strings.CutPrefix(name, n); ok && rest != "" && strings.ContainsRune("-_.", rune(rest[0])) {
			return n
		}
	}
	return ""
}

// Docker is what hygiene asks of the Docker daemon; *client.Client has it.
type Docker interface {
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
}

var _ Docker = (*client.Client)(nil)
