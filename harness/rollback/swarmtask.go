package rollback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
	"github.com/opencontainers/go-digest"
)

// oldImage is what a task must run to count as rolled back: the old image's
// ID, as the driver's daemon knows it, and the registry digests it is known
// by. The ID is the digest of the image's configuration, so the same image
// has the same ID on every node, pulled or loaded.
type oldImage struct {
	ref string
	// id is "sha256:..."; empty when the driver's daemon does not have
	// the image.
	id string
	// digests are the image's repository digests ("repo@sha256:...").
	digests []string
}

func (o oldImage) short() string {
	if o.id != "" {
		return shortID(o.id)
	}
	if len(o.digests) > 0 {
		_, d, _ := strings.Cut(o.digests[0], "@")
		return shortID(d)
	}
	return "unknown ID"
}

// oldImage reads the step's image on the driver's daemon: its ID (the one
// decided, if any), its repository digests, and the digest its reference
// pins.
func (s *Swarm) oldImage(ctx context.Context, step Step) (oldImage, error) {
	o := oldImage{ref: step.To, id: step.ImageID}
	res, err := s.cli.ImageInspect(ctx, step.To)
	switch {
	case err == nil:
		if o.id == "" {
			o.id = res.ID
		}
		o.digests = append(o.digests, res.RepoDigests...)
	case !cerrdefs.IsNotFound(err):
		return o, fmt.Errorf("swarm service %s: inspect the old image %s: %w", step.Object, step.To, err)
	}
	if repo, d, ok := pinned(step.To); ok && repo != "" {
		o.digests = append(o.digests, repo+"@"+d.String())
	}
	if o.id == "" && len(o.digests) == 0 {
		return o, fmt.Errorf("swarm service %s: cannot tell the old image's digest: %s is not on this node and its reference pins no digest", step.Object, step.To)
	}
	return o, nil
}

// pinned is the digest a reference pins: "repo@sha256:..." or
// "repo:tag@sha256:..." (repo is the normalized repository), or an image ID
// "sha256:..." (repo empty).
func pinned(ref string) (repo string, d digest.Digest, ok bool) {
	if d, err := digest.Parse(ref); err == nil {
		return "", d, true
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", "", false
	}
	if c, isDigested := named.(reference.Canonical); isDigested {
		return named.Name(), c.Digest(), true
	}
	return "", "", false
}

// holdsPinned says a task's pinned image reference names the old image.
func (o oldImage) holdsPinned(repo string, d digest.Digest) bool {
	if repo == "" {
		return o.id != "" && d.String() == o.id
	}
	return slices.ContainsFunc(o.digests, func(rd string) bool {
		r, dd, ok := pinned(rd)
		return ok && r == repo && dd == d
	})
}

// taskVerifier holds running tasks to the old image, reading what it must on
// the nodes they run on.
type taskVerifier struct {
	s *Swarm
	// local is the node ID of the driver's daemon.
	local string
	// nodes are the swarm's nodes by ID.
	nodes map[string]swarm.Node
	// clients reach other nodes' daemons (SwarmConfig.Nodes), by node ID.
	clients map[string]*client.Client
}

func (s *Swarm) newTaskVerifier(ctx context.Context) (*taskVerifier, error) {
	info, err := s.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker info: %w", err)
	}
	v := &taskVerifier{s: s, local: info.Info.Swarm.NodeID, nodes: map[string]swarm.Node{}, clients: map[string]*client.Client{}}
	res, err := s.cli.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the swarm's nodes: %w", err)
	}
	for _, n := range res.Items {
		v.nodes[n.ID] = n
	}
	return v, nil
}

func (v *taskVerifier) close() {
	for _, c := range v.clients {
		c.Close()
	}
}

// hostname names a node for messages: its hostname, else its ID.
func (v *taskVerifier) hostname(id string) string {
	if n, ok := v.nodes[id]; ok && n.Description.Hostname != "" {
		return n.Description.Hostname
	}
	return id
}

// nodeHost is the configured daemon of a node, by hostname or ID.
func (v *taskVerifier) nodeHost(id string) string {
	if h := v.s.cfg.Nodes[id]; h != "" {
		return h
	}
	if n, ok := v.nodes[id]; ok {
		return v.s.cfg.Nodes[n.Description.Hostname]
	}
	return ""
}

// verify holds one running task to the old image, by the strongest evidence
// there is for its node:
//   - on the driver's own node, or a node whose daemon is configured
//     (SwarmConfig.Nodes): the image ID of the task's container, read there;
//   - else, a task whose image reference is pinned (an image ID, or a
//     registry digest, as `docker stack deploy` pins it): every node runs
//     exactly the pinned image or no container at all, so the pin is held to
//     the old image's ID and digests;
//   - else it cannot be verified, and fails: the manager does not know which
//     image an unpinned tag names on another node (a stale image under the
//     old tag would pass).
func (v *taskVerifier) verify(ctx context.Context, step Step, t swarm.Task, old oldImage) error {
	node := v.hostname(t.NodeID)
	what := fmt.Sprintf("task %s of swarm service %s on node %s", shortID(t.ID), step.Object, node)
	cli := v.s.cli
	if t.NodeID != v.local {
		cli = nil
		if host := v.nodeHost(t.NodeID); host != "" {
			var err error
			if cli, err = v.client(ctx, t.NodeID, host); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
	}
	if cli != nil {
		return v.verifyContainer(ctx, cli, what, step, t, old)
	}
	img := taskImage(t)
	repo, d, ok := pinned(img)
	if !ok {
		return fmt.Errorf("%s runs %s, a reference that pins no digest: which image it names on %s cannot be read through the manager; pin the image by digest, or give the swarm driver the node's Docker daemon (nodes: {%s: HOST})",
			what, img, node, node)
	}
	if !old.holdsPinned(repo, d) {
		return fmt.Errorf("%s runs %s, not the old image %s (%s)", what, img, step.To, old.short())
	}
	return nil
}

// verifyContainer holds the image ID of a task's container, read on its
// node, to the old image's.
func (v *taskVerifier) verifyContainer(ctx context.Context, cli *client.Client, what string, step Step, t swarm.Task, old oldImage) error {
	if t.Status.ContainerStatus == nil || t.Status.ContainerStatus.ContainerID == "" {
		return fmt.Errorf("%s is running but has no container", what)
	}
	if old.id == "" {
		return fmt.Errorf("%s: cannot tell the old image's ID: %s is not on the driver's node", what, step.To)
	}
	c, err := cli.ContainerInspect(ctx, t.Status.ContainerStatus.ContainerID, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect the container of %s: %w", what, err)
	}
	if c.Container.Image != old.id {
		return fmt.Errorf("%s runs image %s, not the old image %s (%s)", what, shortID(c.Container.Image), step.To, old.short())
	}
	return nil
}

// client connects to a node's configured daemon, and checks that it is
// that node: a daemon of another node would verify the wrong containers.
func (v *taskVerifier) client(ctx context.Context, id, host string) (*client.Client, error) {
	if c, ok := v.clients[id]; ok {
		return c, nil
	}
	c, err := dockerClient(host)
	if err != nil {
		return nil, err
	}
	info, err := c.Info(ctx, client.InfoOptions{})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("docker info at %s: %w", host, err)
	}
	if got := info.Info.Swarm.NodeID; got != id {
		c.Close()
		return nil, errors.New("the daemon at " + host + " is swarm node " + orNone(got) + ", not " + id)
	}
	v.clients[id] = c
	return c, nil
}

func orNone(id string) string {
	if id == "" {
		return "none"
	}
	return id
}
