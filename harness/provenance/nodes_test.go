package provenance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/provenance"
	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/swarmtest"
	"github.com/postflight/postflight/slo"
)

// The stale latest incident on a swarm of three nodes, one task on each:
// the registry holds the new build as latest, Swarm cannot pull (no
// credentials forwarded) and each node runs what it has under latest. Asked
// through the manager, a stale build on the manager's node fails the check;
// a task on another node, whose spec pins no digest, is inconclusive, so a
// stale build there is never reported as a pass.
func TestSwarmOnThreeNodesJudgesWhatItCanReadAndNeverPassesWhatItCannot(t *testing.T) {
	dockertest.Client(t, demo...)
	c := swarmtest.New(t, swarmtest.Options{Images: []string{demo[0], demo[2]}})
	ctx := ctxFor(t)
	const user, password = "lighttag-deploy", "Pa55-lighttag-7e21"
	reg := registrytest.Start(t, registrytest.WithAddr(c.Gateway), registrytest.WithAuth(user, password))
	reg.DockerConfig(t, user, password) // postflight's credentials; Swarm gets none
	mgr := c.Manager().Client
	reg.Push(t, mgr, demo[0], "myapp:1.0.0")
	reg.Push(t, mgr, demo[2], "myapp:1.2.0")
	reg.Push(t, mgr, demo[2], "myapp:latest")
	latest := reg.Ref("myapp:latest")
	stale, newer := imageID(t, mgr, demo[0]), imageID(t, mgr, demo[2])
	tagOn := func(n *swarmtest.Node, local string) {
		t.Helper()
		if _, err := n.Client.ImageTag(ctx, client.ImageTagOptions{Source: local, Target: latest}); err != nil {
			t.Fatal(err)
		}
	}
	tagOn(c.Nodes[0], demo[0]) // the manager's latest: the old build
	tagOn(c.Nodes[1], demo[2])
	tagOn(c.Nodes[2], demo[2])

	name := registrytest.RunID(t) + "-frontend"
	three := uint64(3)
	if _, err := mgr.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: latest, Args: demoArgs},
			Placement:     &swarm.Placement{MaxReplicas: 1},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := swarmtest.WaitRunning(ctx, mgr, name, latest, 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	check := func() provenance.Service {
		t.Helper()
		services, err := provenance.New(mgr, registry.New(registry.WithInsecure())).Swarm(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		s := services[0]
		t.Logf("%s: %s\n  expected: %s\n  observed: %s\n  reason: %s", s.Name, s.Status, s.Expected, s.Observed, s.Reason)
		if s.Intended == nil || s.Intended.Images[0].Config != newer {
			t.Errorf("intended image %+v, want the registry's latest, image %s", s.Intended, newer)
		}
		remote := 0
		for _, i := range s.Instances {
			if i.Node != c.Manager().ID {
				remote++
				if i.Status != slo.Inconclusive || !strings.Contains(i.Reason, "on another node and its spec pins no digest") {
					t.Errorf("task %s on another node: %s (%s), want inconclusive: cannot be read", i.Name, i.Status, i.Reason)
				}
			}
		}
		if len(s.Instances) != 3 || remote != 2 {
			t.Errorf("%d tasks, %d off the manager; want 3, 2", len(s.Instances), remote)
		}
		return s
	}

	t.Run("a stale build on the manager's node fails", func(t *testing.T) {
		s := check()
		if s.Status != slo.Fail {
			t.Errorf("status %s, want fail", s.Status)
		}
		for _, i := range s.Instances {
			if i.Node == c.Manager().ID && (i.Status != slo.Fail || i.ImageID != stale) {
				t.Errorf("the manager's task: %s running %s, want fail running the stale %s", i.Status, i.ImageID, stale)
			}
		}
	})

	t.Run("a stale build on a worker is inconclusive, never a pass", func(t *testing.T) {
		tagOn(c.Nodes[0], demo[2])
		tagOn(c.Nodes[2], demo[0])
		redeploy(t, mgr, name)
		if err := swarmtest.WaitRunning(ctx, mgr, name, latest, 3, time.Minute); err != nil {
			t.Fatal(err)
		}
		s := check()
		if s.Status != slo.Inconclusive {
			t.Errorf("status %s, want inconclusive", s.Status)
		}
	})
}

// redeploy makes Swarm replace every task of a service (docker service
// update --force), and waits until the old ones are gone.
func redeploy(t *testing.T, cli *client.Client, name string) {
	t.Helper()
	ctx := context.Background()
	svc, err := cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := svc.Service.Spec
	spec.TaskTemplate.ForceUpdate++
	if _, err := cli.ServiceUpdate(ctx, svc.Service.ID, client.ServiceUpdateOptions{Version: svc.Service.Version, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s, err := cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if us := s.Service.UpdateStatus; us != nil && us.State == swarm.UpdateStateCompleted {
			return
		}
	}
	t.Fatalf("the forced update of %s did not complete within a minute", name)
}
