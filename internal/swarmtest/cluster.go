package swarmtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
)

// Label marks the containers and networks of a cluster, beside postflight's
// own labels.
const Label = "io.postflight.swarmtest"

// Options shape a cluster. The zero value is one manager and two workers.
type Options struct {
	// Managers is how many nodes are managers (at least 1); the first one
	// initialises the swarm. 1 when zero.
	Managers int
	// Workers is how many nodes are workers. 2 when Managers and Workers
	// are both zero.
	Workers int
	// Images are loaded from the host's daemon into every node.
	Images []string
}

func (o Options) sizes() (managers, workers int) {
	managers, workers = o.Managers, o.Workers
	if managers == 0 && workers == 0 {
		return 1, 2
	}
	return max(managers, 1), workers
}

// Cluster is a running swarm of Docker engines in containers.
type Cluster struct {
	// Prefix names everything the cluster created on the host's daemon,
	// and is its postflight run label (stack.LabelRun).
	Prefix string
	// Network is the host's network the nodes share.
	Network string
	// Gateway is the host's address on Network: a registry served there
	// (registrytest.WithAddr) is reached by every node, which pulls from
	// and pushes to it over plain HTTP.
	Gateway string
	// Nodes are the engines: the managers first, Nodes[0] the one that
	// initialised the swarm.
	Nodes []*Node

	host      *client.Client
	closeOnce sync.Once
	closeErr  error
}

// Manager is the node that initialised the swarm.
func (c *Cluster) Manager() *Node { return c.Nodes[0] }

// Node is the node of a hostname (node1...) or Swarm node ID; nil when none.
func (c *Cluster) Node(hostnameOrID string) *Node {
	for _, n := range c.Nodes {
		if n.Hostname == hostnameOrID || n.ID == hostnameOrID {
			return n
		}
	}
	return nil
}

// Start starts a cluster on the host's daemon (DOCKER_HOST or the default
// socket): nodes start at once, join, and get opts.Images. On error nothing
// is left behind. It first removes leftovers of test processes that are
// gone.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	host, err := stack.NewDockerClient(ctx)
	if err != nil {
		return nil, err
	}
	image, err := NodeImage(ctx, host)
	if err != nil {
		host.Close()
		return nil, err
	}
	if err := sweep(ctx, host); err != nil {
		host.Close()
		return nil, err
	}
	c := &Cluster{Prefix: prefix(), host: host}
	c.Network = c.Prefix
	track(c)
	if err := c.start(ctx, image, opts); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// prefix is unique to one cluster of one process.
func prefix() string {
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("pfswarm%d-%s", os.Getpid(), hex.EncodeToString(b))
}

func (c *Cluster) labels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		stack.LabelManaged: "true",
		stack.LabelRun:     c.Prefix,
		stack.LabelOwner:   fmt.Sprintf("%d@%s", os.Getpid(), host),
		Label:              "node",
	}
}

// start starts the nodes at once and loads the images into each as soon as
// its engine answers (saved from the host's daemon meanwhile), then joins
// them as one swarm.
func (c *Cluster) start(ctx context.Context, image string, opts Options) error {
	subnet, err := c.createNetwork(ctx)
	if err != nil {
		return err
	}
	var saved *savedImages
	var saveErr error
	var saving sync.WaitGroup
	saving.Go(func() { saved, saveErr = save(ctx, c.host, opts.Images) })
	defer func() {
		saving.Wait()
		saved.Close()
	}()
	managers, workers := opts.sizes()
	c.Nodes = make([]*Node, managers+workers)
	err = each(len(c.Nodes), func(i int) error {
		n, err := startNode(ctx, c.host, image, c.Prefix, c.Network, subnet, i+1, c.labels())
		c.Nodes[i] = n
		if err != nil {
			return err
		}
		saving.Wait()
		if saveErr != nil {
			return saveErr
		}
		return n.load(ctx, saved, opts.Images)
	})
	if err != nil {
		return err
	}
	return c.join(ctx, managers)
}

// createNetwork creates the nodes' network and returns its subnet.
func (c *Cluster) createNetwork(ctx context.Context) (string, error) {
	if _, err := c.host.NetworkCreate(ctx, c.Network, client.NetworkCreateOptions{Driver: "bridge", Labels: c.labels()}); err != nil {
		return "", fmt.Errorf("create network %s: %w", c.Network, err)
	}
	res, err := c.host.NetworkInspect(ctx, c.Network, client.NetworkInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect network %s: %w", c.Network, err)
	}
	for _, cfg := range res.Network.IPAM.Config {
		if cfg.Subnet.Addr().Is4() && cfg.Gateway.IsValid() {
			c.Gateway = cfg.Gateway.String()
			return cfg.Subnet.String(), nil
		}
	}
	return "", fmt.Errorf("network %s has no IPv4 subnet with a gateway", c.Network)
}

// join makes node 1 a swarm and joins the others to it, managers first.
func (c *Cluster) join(ctx context.Context, managers int) error {
	first := c.Manager()
	if _, err := first.Client.SwarmInit(ctx, client.SwarmInitOptions{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: first.Addr}); err != nil {
		return fmt.Errorf("swarm init on %s: %w", first.Hostname, err)
	}
	sw, err := first.Client.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		return fmt.Errorf("swarm inspect on %s: %w", first.Hostname, err)
	}
	first.Manager = true
	joinOne := func(i int) error {
		n := c.Nodes[i]
		n.Manager = i < managers
		token := sw.Swarm.JoinTokens.Worker
		if n.Manager {
			token = sw.Swarm.JoinTokens.Manager
		}
		_, err := n.Client.SwarmJoin(ctx, client.SwarmJoinOptions{
			ListenAddr: "0.0.0.0:2377", AdvertiseAddr: n.Addr, RemoteAddrs: []string{first.Addr + ":2377"}, JoinToken: token,
		})
		if err != nil {
			return fmt.Errorf("swarm join of %s: %w", n.Hostname, err)
		}
		return nil
	}
	// Managers one by one (each joins the raft quorum), workers at once.
	for i := 1; i < managers && i < len(c.Nodes); i++ {
		if err := joinOne(i); err != nil {
			return err
		}
	}
	if err := each(len(c.Nodes)-managers, func(i int) error { return joinOne(managers + i) }); err != nil {
		return err
	}
	return c.waitReady(ctx)
}

// waitReady waits until the manager sees every node ready, and records the
// nodes' IDs.
func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(engineStartTimeout)
	for {
		res, err := c.Manager().Client.NodeList(ctx, client.NodeListOptions{})
		if err != nil {
			return fmt.Errorf("list the swarm's nodes: %w", err)
		}
		ready := 0
		for _, sn := range res.Items {
			if n := c.Node(sn.Description.Hostname); n != nil && sn.Status.State == swarm.NodeStateReady {
				n.ID = sn.ID
				ready++
			}
		}
		if ready == len(c.Nodes) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d nodes ready after %s", ready, len(c.Nodes), engineStartTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close removes the nodes' containers and the network. It is safe to call
// more than once.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		untrack(c)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, n := range c.Nodes {
			if n != nil && n.Client != nil {
				n.Client.Close()
			}
		}
		_, _, c.closeErr = stack.Sweep(ctx, c.host, c.Prefix, true)
		c.host.Close()
	})
	return c.closeErr
}

// each runs f(0..n-1) at once and joins their errors.
func each(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sweep removes the clusters of test processes that are gone (killed
// before they could remove them).
func sweep(ctx context.Context, host *client.Client) error {
	found, err := stack.Labelled(ctx, host, stack.LabelManaged+"=true", Label+"=node")
	if err != nil {
		return err
	}
	dead, _ := found.Split()
	// A cluster's network is named by its prefix, its containers
	// PREFIX-nodeN: the prefix is the run label stack.Sweep removes by.
	runs := map[string]bool{}
	for _, r := range dead.Networks {
		runs[r.Name] = true
	}
	for _, r := range dead.Containers {
		if i := strings.LastIndex(r.Name, "-node"); i > 0 {
			runs[r.Name[:i]] = true
		}
	}
	var errs []error
	for run := range runs {
		if _, _, err := stack.Sweep(ctx, host, run, true); err != nil {
			errs = append(errs, fmt.Errorf("remove the leftovers of swarm cluster %s: %w", run, err))
		}
	}
	return errors.Join(errs...)
}
