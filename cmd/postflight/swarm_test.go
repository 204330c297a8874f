package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/internal/swarmtest"
)

// `postflight rollback` with the swarm driver, on a swarm of three nodes
// with one task of the service on each: the tasks go back to the previous
// spec and every one is verified on its node (exit 3: rolled back and
// verified). It used to roll them back, then fail (exit 5) because the
// image of a task on another node "cannot be read from this node". With
// no way to read the other nodes and an image reference that pins no
// digest, it still fails, and says what would make it verifiable.
func TestRollbackOfAServiceSpreadOverThreeNodes(t *testing.T) {
	const good, bad = "postflight-demo:1.0.0", "postflight-demo:1.1.0"
	dockertest.Client(t, good, bad)
	c := swarmtest.New(t, swarmtest.Options{Images: []string{good, bad}})
	t.Setenv("DOCKER_HOST", c.Manager().Host)
	ctx := context.Background()
	mgr := c.Manager().Client
	name, port := fmt.Sprintf("pf-cli-%d", os.Getpid()), nettest.FreePort(t)
	three := uint64(3)
	_, err := mgr.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: good, Args: []string{"-role", "writer", "-listen", ":8080"}},
			Placement:     &swarm.Placement{MaxReplicas: 1},
		},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
		UpdateConfig: &swarm.UpdateConfig{Parallelism: 3, Order: swarm.UpdateOrderStopFirst},
		EndpointSpec: &swarm.EndpointSpec{Ports: []swarm.PortConfig{{Protocol: "tcp", TargetPort: 8080,
			PublishedPort: uint32(port), PublishMode: swarm.PortConfigPublishModeHost}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitTasks(t, mgr, name, good, 3)

	plan := func(nodes string) string {
		src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      writer: {url: "http://%s:%d"}
checks:
  - name: writer-healthy
    kind: http
    service: writer
    request: {path: /healthz}
    expect: {json: {"$.version": "1.0.0"}}
    retries: 40
    retry_interval: 250ms
rollback:
  driver: swarm
  swarm:
    services: [%s]%s
  timeout: 90s
  verify: [writer-healthy]
  state_dir: state
`, c.Manager().Addr, port, name, nodes)
		path := filepath.Join(t.TempDir(), "postflight.yaml")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("every node's daemon named: rolled back and verified", func(t *testing.T) {
		deployImage(t, mgr, name, bad)
		nodes := "\n    nodes:"
		for _, n := range c.Nodes[1:] {
			nodes += fmt.Sprintf("\n      %s: %q", n.Hostname, n.Host)
		}
		start := time.Now()
		r := runBin(t, "rollback", "-f", plan(nodes), "--old", good)
		t.Logf("postflight rollback of 3 tasks on 3 nodes: exit %d in %s", r.code, time.Since(start).Round(10*time.Millisecond))
		if r.code != 3 {
			t.Fatalf("exit %d, want 3 (rolled back and verified)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"ROLLED BACK and verified", name + ": 3 running task(s) on " + good, "on node1, node2, node3"} {
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("output does not say %q:\n%s\n%s", want, r.stdout, r.stderr)
			}
		}
		waitTasks(t, mgr, name, good, 3)
	})

	t.Run("the manager alone and an unpinned tag: rolled back, not verified", func(t *testing.T) {
		deployImage(t, mgr, name, bad)
		r := runBin(t, "rollback", "-f", plan(""), "--old", good)
		if r.code != 5 {
			t.Fatalf("exit %d, want 5 (rollback failed: not verified)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		out := r.stdout + r.stderr
		for _, node := range []string{"node2", "node3"} {
			if want := "on node " + node + " runs " + good + ", a reference that pins no digest"; !strings.Contains(out, want) {
				t.Errorf("output does not say %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "cannot be read from this node") {
			t.Errorf("the old message:\n%s", out)
		}
	})
}

// deployImage updates a service to image and waits until its three tasks
// run it.
func deployImage(t *testing.T, cli *client.Client, name, image string) {
	t.Helper()
	if err := swarmtest.SetImage(context.Background(), cli, name, image); err != nil {
		t.Fatal(err)
	}
	waitTasks(t, cli, name, image, 3)
}

// waitTasks waits until n tasks of a service run image, one per node.
func waitTasks(t *testing.T, cli *client.Client, name, image string, n int) {
	t.Helper()
	if err := swarmtest.WaitRunning(context.Background(), cli, name, image, n, 90*time.Second); err != nil {
		t.Fatal(err)
	}
}
