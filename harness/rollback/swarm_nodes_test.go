package rollback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/internal/nettest"
)

// On a swarm of three nodes, a rollback moves the three tasks of a service
// back on all three and verifies each by the image its container runs on its
// node; it rolled back, then failed, saying the digest of a task on another
// node cannot be read from the manager. A worker running a different image
// under the old tag (a stale image) still fails verification, and a task whose
// node cannot be read and whose image is not pinned is not taken on trust.
func TestSwarmRollbackAcrossThreeNodesVerifiesEveryTaskOnItsNode(t *testing.T) {
	s := clusterSwarm(t)
	ctx := context.Background()
	name, port := testID+"-spread", nettest.FreePort(t)
	s.service(t, name, demoGood, port, 500*time.Millisecond)
	s.waitVersion(t, port, "1.0.0")
	s.deploy(t, demoBad, map[string]int{name: port})
	req := Request{RunID: "spread-" + testID, OldImage: demoGood, NewImage: demoBad, Services: []string{name}, Reason: "kv: status 500"}

	d, err := NewSwarm(s.config(SwarmConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r := &Runner{Driver: d, StateDir: t.TempDir(), Logf: t.Logf}
	start := time.Now()
	out, err := r.RollBack(ctx, req)
	if err != nil {
		t.Fatalf("rollback across three nodes: %v\n%+v", err, out)
	}
	t.Logf("swarm rollback of 3 tasks on 3 nodes, decide to verified: %s", time.Since(start).Round(10*time.Millisecond))
	if want := name + ": 3 running task(s) on " + demoGood; !strings.Contains(out.Verified, want) || !strings.Contains(out.Verified, "on node1, node2, node3") {
		t.Errorf("verified %q, want it to say %q on node1, node2, node3", out.Verified, want)
	}
	s.tasksRun(t, name, demoGood)
	if v, err := s.healthz(port); err != nil || v != "1.0.0" {
		t.Errorf("after the rollback the nodes say %q, %v", v, err)
	}

	t.Run("tasks on nodes the driver cannot read, by an unpinned tag, fail verification", func(t *testing.T) {
		managerOnly, err := NewSwarm(SwarmConfig{Host: s.host})
		if err != nil {
			t.Fatal(err)
		}
		defer managerOnly.Close()
		_, err = managerOnly.Verify(ctx, req, []Step{out.Steps[0].Step})
		if err == nil {
			t.Fatal("tasks on node2 and node3 verified with no way to read which image their tag names there")
		}
		for _, node := range []string{"node2", "node3"} {
			if want := "on node " + node + " runs " + demoGood + ", a reference that pins no digest"; !strings.Contains(err.Error(), want) {
				t.Errorf("err %v, want it to say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "node1") {
			t.Errorf("the task on the manager's own node was not verified: %v", err)
		}
	})

	t.Run("a worker running another image under the old tag fails verification", func(t *testing.T) {
		// node3 has a stale image under the old tag: what Swarm runs there
		// when the registry cannot be reached.
		node3 := s.clients[nodeID(t, s, "node3")]
		good, err := node3.ImageInspect(ctx, demoGood)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := node3.ImageTag(ctx, client.ImageTagOptions{Source: demoBad, Target: demoGood}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := node3.ImageTag(ctx, client.ImageTagOptions{Source: good.ID, Target: demoGood}); err != nil {
				t.Errorf("put %s back on node3: %v", demoGood, err)
			}
		})
		s.deploy(t, demoBad, map[string]int{name: port})
		r := &Runner{Driver: d, StateDir: t.TempDir(), Logf: t.Logf}
		out, err := r.RollBack(ctx, req)
		if err == nil {
			t.Fatalf("rollback verified with node3 running %s under the tag %s: %+v", demoBad, demoGood, out)
		}
		if want := "on node node3 runs image " + shortID(imageIDOf(t, s.cli, demoBad)) + ", not the old image " + demoGood; !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want it to say %q", err, want)
		}
		for _, node := range []string{"node1", "node2"} {
			if strings.Contains(err.Error(), "on node "+node) {
				t.Errorf("the task on %s, running the old image, failed verification: %v", node, err)
			}
		}
	})
}

// nodeID is the swarm node ID of a hostname of the cluster.
func nodeID(t *testing.T, s testSwarm, hostname string) string {
	t.Helper()
	res, err := s.cli.NodeList(context.Background(), client.NodeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Items {
		if n.Description.Hostname == hostname {
			return n.ID
		}
	}
	t.Fatalf("no node %s", hostname)
	return ""
}

func imageIDOf(t *testing.T, cli *client.Client, ref string) string {
	t.Helper()
	res, err := cli.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

// With a registry the nodes reach, Swarm pins a service's image to the
// registry's digest, and every node runs exactly that image: the driver,
// talking to the manager alone, verifies the tasks on the other nodes by
// their pinned digest. A task pinned to another digest fails.
func TestSwarmRollbackVerifiesTasksPinnedByDigestThroughTheManagerAlone(t *testing.T) {
	s := clusterSwarm(t)
	ctx := context.Background()
	reg := registrytest.Start(t, registrytest.WithAddr(s.gateway))
	// The manager's engine pushes: the registry is plain HTTP off the
	// host's loopback, which only the nodes trust.
	goodDigest := reg.Push(t, s.cli, demoGood, "demo:1.0.0")
	badDigest := reg.Push(t, s.cli, demoBad, "demo:1.1.0")
	good, bad := reg.Ref("demo:1.0.0"), reg.Ref("demo:1.1.0")

	name, port := testID+"-pinned", nettest.FreePort(t)
	s.service(t, name, good, port, 500*time.Millisecond, pinByRegistry)
	s.waitVersion(t, port, "1.0.0")
	pin(t, s, name, bad)
	s.waitVersion(t, port, "1.1.0")
	if img := serviceImageOf(t, s, name); img != bad+"@"+badDigest {
		t.Fatalf("the service runs %s, want it pinned to %s", img, bad+"@"+badDigest)
	}

	d, err := NewSwarm(SwarmConfig{Host: s.host})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	req := Request{RunID: "pinned-" + testID, OldImage: good, NewImage: bad, Services: []string{name}}
	out, err := (&Runner{Driver: d, StateDir: t.TempDir(), Logf: t.Logf}).RollBack(ctx, req)
	if err != nil {
		t.Fatalf("rollback of pinned tasks on three nodes, through the manager alone: %v\n%+v", err, out)
	}
	if want := name + ": 3 running task(s) on " + good + "@" + goodDigest; !strings.Contains(out.Verified, want) {
		t.Errorf("verified %q, want it to say %q", out.Verified, want)
	}
	s.tasksRun(t, name, demoGood)

	// To an explicit image (by tag), the manager pins it as `docker
	// service update --image` does, and the tasks are verified by the pin.
	pin(t, s, name, bad)
	s.waitVersion(t, port, "1.1.0")
	explicit, err := NewSwarm(SwarmConfig{Host: s.host, Image: good})
	if err != nil {
		t.Fatal(err)
	}
	defer explicit.Close()
	out, err = (&Runner{Driver: explicit, StateDir: t.TempDir(), Logf: t.Logf}).RollBack(ctx, req)
	if err != nil {
		t.Fatalf("rollback to the explicit image %s through the manager alone: %v\n%+v", good, err, out)
	}
	if img := serviceImageOf(t, s, name); img != good+"@"+goodDigest {
		t.Errorf("the service runs %s after the rollback to %s, want it pinned to %s", img, good, goodDigest)
	}
	if want := name + ": 3 running task(s) on " + good + " "; !strings.Contains(out.Verified, want) {
		t.Errorf("verified %q, want it to say %q", out.Verified, want)
	}
	s.tasksRun(t, name, demoGood)

	// The service runs the good digest; held to the bad image, every task
	// fails, the two off the manager by their pin.
	_, err = d.Verify(ctx, req, []Step{{Object: name, To: bad + "@" + badDigest, ImageID: imageIDOf(t, s.cli, demoBad)}})
	if err == nil {
		t.Fatal("tasks running the good digest verified as the bad image")
	}
	for _, node := range []string{"node2", "node3"} {
		if want := "on node " + node + " runs " + good + "@" + goodDigest + ", not the old image " + bad; !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want it to say %q", err, want)
		}
	}
}

// pinByRegistry creates the service as `docker service create` does when
// it reaches the registry: its image pinned to the registry's digest.
func pinByRegistry(o *client.ServiceCreateOptions) { o.QueryRegistry = true }

// pin updates a service to image as `docker service update --image` does
// when it reaches the registry, pinning the digest.
func pin(t *testing.T, s testSwarm, name, image string) {
	t.Helper()
	ctx := context.Background()
	svc, err := s.cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := svc.Service.Spec
	cs := *spec.TaskTemplate.ContainerSpec
	cs.Image = image
	spec.TaskTemplate.ContainerSpec = &cs
	if _, err := s.cli.ServiceUpdate(ctx, svc.Service.ID, client.ServiceUpdateOptions{Version: svc.Service.Version, Spec: spec, QueryRegistry: true}); err != nil {
		t.Fatal(err)
	}
}

func serviceImageOf(t *testing.T, s testSwarm, name string) string {
	t.Helper()
	svc, err := s.cli.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return serviceImage(svc.Service.Spec)
}
