package hygiene

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
)

// Container is a container that publishes one of the stack's ports or
// carries one of its names.
type Container struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
	State string `json:"state"`
	// Ports are the host ports it publishes (running containers only).
	Ports []int `json:"ports,omitempty"`
	// Owner is who its labels say owns it ("compose project shop"), ""
	// for nobody; Known says the stack knows that owner.
	Owner string `json:"owner,omitempty"`
	Known bool   `json:"known"`
	// Why says what ties it to the stack: "publishes port 8080", "carries
	// the name shop-web".
	Why []string `json:"why"`
}

// String is "shop-web-1 (image app:1.0, compose project old)".
func (c Container) String() string {
	owner := c.Owner
	if owner == "" {
		owner = "no compose, swarm or postflight labels"
	}
	return fmt.Sprintf("%s (%s, image %s, %s)", c.Name, c.State, c.Image, owner)
}

// relate describes a listed container as the stack sees it; ok is false
// when it has nothing to do with the stack.
func (st Stack) relate(s container.Summary) (Container, bool) {
	c := Container{ID: s.ID, Image: s.Image, State: string(s.State)}
	if len(s.Names) > 0 {
		c.Name = strings.TrimPrefix(s.Names[0], "/")
	} else if len(s.ID) >= 12 {
		c.Name = s.ID[:12]
	}
	if s.State == container.StateRunning {
		for _, p := range s.Ports {
			if p.PublicPort != 0 && !slices.Contains(c.Ports, int(p.PublicPort)) {
				c.Ports = append(c.Ports, int(p.PublicPort))
			}
		}
		slices.Sort(c.Ports)
	}
	for _, p := range c.Ports {
		if slices.Contains(st.Ports, p) {
			c.Why = append(c.Why, fmt.Sprintf("publishes port %d", p))
		}
	}
	if n := st.carriesName(c.Name); n != "" {
		c.Why = append(c.Why, "carries the name "+n)
	}
	c.Owner, c.Known = st.owner(s.Labels)
	return c, len(c.Why) > 0
}
