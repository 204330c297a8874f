package rollback

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/internal/swarmtest"
)

// cluster is the package's 3-node swarm (one manager, two workers),
// started by the first test that asks for it.
var cluster swarmtest.Shared

// testSwarm is a swarm the Swarm driver's tests run on: the daemon's own
// one-node swarm, or the 3-node cluster of Docker engines in containers.
type testSwarm struct {
	// cli talks to a manager.
	cli *client.Client
	// host and nodes go into the driver's config: the manager's daemon
	// ("" for the environment's) and the other nodes' daemons.
	host  string
	nodes map[string]string
	// addrs are where a port a task publishes in host mode is reached, one
	// per node.
	addrs []string
	// replicas is how many tasks a test service runs: one per node.
	replicas uint64
	// clients read containers on each node, by node ID.
	clients map[string]*client.Client
	// gateway is the host's address on the cluster's network; empty on the
	// daemon's swarm.
	gateway string
}

// daemonSwarm is the daemon's own swarm (made one when it is not).
func daemonSwarm(t testing.TB) testSwarm {
	t.Helper()
	cli := testDocker(t)
	needSwarm(t, cli)
	return testSwarm{cli: cli, addrs: []string{"127.0.0.1"}, replicas: 1}
}

// clusterSwarm is the 3-node cluster, with the demo images on every node.
func clusterSwarm(t testing.TB) testSwarm {
	t.Helper()
	testDocker(t) // the demo images are there to load
	c := cluster.Get(t, demoGood, demoBad)
	s := testSwarm{cli: c.Manager().Client, host: c.Manager().Host, nodes: map[string]string{}, clients: map[string]*client.Client{}, gateway: c.Gateway}
	for _, n := range c.Nodes {
		s.addrs = append(s.addrs, n.Addr)
		s.clients[n.ID] = n.Client
		if n != c.Manager() {
			s.nodes[n.Hostname] = n.Host
		}
	}
	s.replicas = uint64(len(c.Nodes))
	return s
}

// onEverySwarm runs a test on the daemon's one-node swarm and on the
// 3-node cluster: -run 'Test.../three_nodes' picks one.
func onEverySwarm(t *testing.T, test func(t *testing.T, s testSwarm)) {
	t.Run("one node", func(t *testing.T) { test(t, daemonSwarm(t)) })
	t.Run("three nodes", func(t *testing.T) { test(t, clusterSwarm(t)) })
}

// config is the driver's config for this swarm.
func (s testSwarm) config(cfg SwarmConfig) SwarmConfig {
	cfg.Host, cfg.Nodes = s.host, s.nodes
	return cfg
}

// service creates a Swarm service of the demo writer, one task per node,
// published in host mode on port (unpublished when 0), and removes it when
// the test ends.
func (s testSwarm) service(t testing.TB, name, image string, port int, interval time.Duration, opts ...func(*client.ServiceCreateOptions)) string {
	t.Helper()
	ctx := context.Background()
	replicas := s.replicas
	grace := 2 * time.Second
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name, Labels: testLabels()},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:           image,
				Args:            []string{"-role", "writer", "-listen", ":8080"},
				Labels:          testLabels(),
				StopGracePeriod: &grace,
				Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/demo", "healthcheck", "http://127.0.0.1:8080/healthz"},
					Interval: interval, Timeout: 2 * time.Second, Retries: 30},
			},
			Placement: &swarm.Placement{MaxReplicas: 1},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
		// Every node's task at once: one node at a time would only make
		// the cluster's tests slower.
		UpdateConfig:   &swarm.UpdateConfig{Parallelism: replicas, Order: swarm.UpdateOrderStopFirst, FailureAction: swarm.UpdateFailureActionPause},
		RollbackConfig: &swarm.UpdateConfig{Parallelism: replicas, Order: swarm.UpdateOrderStopFirst, FailureAction: swarm.UpdateFailureActionPause},
	}
	if port != 0 {
		spec.EndpointSpec = &swarm.EndpointSpec{Ports: []swarm.PortConfig{{Protocol: "tcp", TargetPort: 8080,
			PublishedPort: uint32(port), PublishMode: swarm.PortConfigPublishModeHost}}}
	}
	o := client.ServiceCreateOptions{Spec: spec}
	for _, opt := range opts {
		opt(&o)
	}
	res, err := s.cli.ServiceCreate(ctx, o)
	if err != nil {
		t.Fatalf("create swarm service %s: %v", name, err)
	}
	t.Cleanup(func() { removeService(t, s.cli, res.ID) })
	return res.ID
}

// deploy updates services to image, as `docker service update --image`
// does, and waits until each serves that version on its port, on every
// node.
func (s testSwarm) deploy(t testing.TB, image string, ports map[string]int) {
	t.Helper()
	for name := range ports {
		if err := swarmtest.SetImage(context.Background(), s.cli, name, image); err != nil {
			t.Fatal(err)
		}
	}
	for _, port := range ports {
		s.waitVersion(t, port, imageVersion(image))
	}
}

// waitVersion waits until the demo on port says it is version, on every
// node.
func (s testSwarm) waitVersion(t testing.TB, port int, version string) {
	t.Helper()
	for _, addr := range s.addrs {
		waitVersionAt(t, addr, port, version)
	}
}

// healthz is the version the demo on port reports, the same on every node.
func (s testSwarm) healthz(port int) (string, error) {
	var first string
	for i, addr := range s.addrs {
		v, err := healthzAt(addr, port)
		if err != nil {
			return v, fmt.Errorf("%s: %w", addr, err)
		}
		if i == 0 {
			first = v
		} else if v != first {
			return v, fmt.Errorf("%s says %s, %s says %s", s.addrs[0], first, addr, v)
		}
	}
	return first, nil
}

// kvStatus is the status of GET /kv/KEY: 404 on the good demo, 500 on
// 1.1.0; every node must answer the same.
func (s testSwarm) kvStatus(t testing.TB, port int) int {
	t.Helper()
	status := 0
	for _, addr := range s.addrs {
		resp, err := http.Get(fmt.Sprintf("http://%s:%d/kv/absent", addr, port))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if status != 0 && resp.StatusCode != status {
			t.Fatalf("GET /kv answers %d on %s, %d on %s", status, s.addrs[0], resp.StatusCode, addr)
		}
		status = resp.StatusCode
	}
	return status
}

// client reads containers on a node.
func (s testSwarm) client(nodeID string) *client.Client {
	if c, ok := s.clients[nodeID]; ok {
		return c
	}
	return s.cli
}

// tasksRun asserts that every running task of a service runs a container of
// image, by image ID read on the task's node, and that there is one per
// replica.
func (s testSwarm) tasksRun(t testing.TB, service, image string) {
	t.Helper()
	ctx := context.Background()
	want, err := s.cli.ImageInspect(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := s.cli.ServiceInspect(ctx, service, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := s.cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", svc.Service.ID)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, task := range tasks.Items {
		if task.Status.State != swarm.TaskStateRunning {
			continue
		}
		n++
		c, err := s.client(task.NodeID).ContainerInspect(ctx, task.Status.ContainerStatus.ContainerID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Container.Image != want.ID {
			t.Errorf("task %s of %s on node %s runs %s, want %s (%s)", task.ID, service, task.NodeID, c.Container.Image, image, want.ID)
		}
	}
	if n != int(s.replicas) {
		t.Errorf("%s has %d running task(s), want %d", service, n, s.replicas)
	}
}
