package swarmtest

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// apiPort is where a node's engine listens for its API, inside the node.
const apiPort = "2375/tcp"

// engineStartTimeout bounds the wait for a node's engine to answer.
const engineStartTimeout = 90 * time.Second

// Node is one Docker engine of a cluster.
type Node struct {
	// Hostname is the node's hostname, as Swarm reports it: node1, node2...
	Hostname string
	// Container is the name of the node's container on the host's daemon.
	Container string
	// ID is the node's Swarm node ID.
	ID string
	// Manager says the node is a Swarm manager.
	Manager bool
	// Host is the node's Docker API as a DOCKER_HOST value
	// (tcp://127.0.0.1:PORT).
	Host string
	// Addr is the node's address on the cluster's network, where the host
	// reaches the ports its tasks publish in host mode.
	Addr string
	// Client talks to the node's engine.
	Client *client.Client
}

// startNode creates and starts the container of node i (from 1) and waits
// until its engine answers.
func startNode(ctx context.Context, host *client.Client, image, prefix, net, subnet string, i int, labels map[string]string) (*Node, error) {
	n := &Node{Hostname: fmt.Sprintf("node%d", i), Container: fmt.Sprintf("%s-node%d", prefix, i)}
	port := network.MustParsePort(apiPort)
	created, err := host.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: n.Container,
		Config: &container.Config{
			Image:    image,
			Hostname: n.Hostname,
			// Appended to the image's entrypoint, dockerd. The API
			// listens on TCP without TLS, published on the host's
			// loopback only; saying so (--tls=false) spares the 15 s
			// dockerd otherwise waits to warn about it. Registries on
			// the cluster's network (the host's, at its gateway) are
			// reached over plain HTTP.
			Cmd: []string{"-H", "unix:///var/run/docker.sock", "-H", "tcp://0.0.0.0:2375", "--tls=false",
				"--insecure-registry", subnet},
			ExposedPorts: network.PortSet{port: {}},
			Labels:       labels,
		},
		HostConfig: &container.HostConfig{
			// --privileged is refused here (the host lacks
			// CAP_SYS_RESOURCE); every other capability is enough.
			CapAdd:      []string{"ALL"},
			CapDrop:     []string{"SYS_RESOURCE"},
			SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"},
			// Without exec, containers inside fail with "permission
			// denied"; without the cgroup mount, "read-only file system".
			Tmpfs:        map[string]string{"/var/lib/docker": "exec,size=4g", "/run": "exec"},
			Binds:        []string{"/sys/fs/cgroup:/sys/fs/cgroup:rw"},
			NetworkMode:  container.NetworkMode(net),
			PortBindings: network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1")}}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create node container %s: %w", n.Container, err)
	}
	if _, err := host.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return nil, fmt.Errorf("start node container %s: %w", n.Container, err)
	}
	c, err := host.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("inspect node container %s: %w", n.Container, err)
	}
	ns := c.Container.NetworkSettings
	if es := ns.Networks[net]; es != nil && es.IPAddress.IsValid() {
		n.Addr = es.IPAddress.String()
	}
	bound := ns.Ports[port]
	if len(bound) == 0 || n.Addr == "" {
		return nil, fmt.Errorf("node container %s: no published API port or no address on network %s", n.Container, net)
	}
	n.Host = "tcp://127.0.0.1:" + bound[0].HostPort
	// The client negotiates its API version on first use: wait until the
	// engine answers first, so it negotiates with the engine, not with a
	// refused connection.
	if err := waitEngine(ctx, "http://127.0.0.1:"+bound[0].HostPort+"/_ping"); err != nil {
		return nil, fmt.Errorf("node %s (container %s): %w", n.Hostname, n.Container, err)
	}
	n.Client, err = client.New(client.WithHost(n.Host), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("client for node %s at %s: %w", n.Hostname, n.Host, err)
	}
	return n, nil
}

// waitEngine waits until an engine's /_ping answers 200.
func waitEngine(ctx context.Context, ping string) error {
	ctx, cancel := context.WithTimeout(ctx, engineStartTimeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ping, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/_ping answered %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("its engine did not answer within %s: %v", engineStartTimeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
