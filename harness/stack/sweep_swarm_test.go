package stack_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/swarmtest"
)

// A Swarm service's containers are Swarm's, even when they carry
// postflight's labels: cleanup removes none (Swarm would only start
// another, and the service would see its task fail).
func TestSweepLeavesSwarmTasksAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cli := dockertest.Client(t, "postflight-demo:1.0.0")
	dockertest.Swarm(t, cli)
	name := fmt.Sprintf("pf-sweep-%d", time.Now().UnixNano()%1e9)
	out, err := exec.Command("docker", "service", "create", "--detach=false", "--quiet", "--name", name,
		"--container-label", "io.postflight.managed=true", "--container-label", stack.LabelRun+"="+name, "--no-healthcheck",
		"postflight-demo:1.0.0", "-role", "writer", "-listen", ":8080").CombinedOutput()
	t.Cleanup(func() { exec.Command("docker", "service", "rm", name).Run() })
	if err != nil {
		t.Fatalf("service create: %v: %s", err, out)
	}
	sweepLeavesTasks(t, name, cli)
}

// On a swarm of three nodes, `postflight cleanup` pointed at any node's
// daemon leaves the task Swarm runs there alone.
func TestSweepOnEveryNodeOfASwarmLeavesItsTasksAlone(t *testing.T) {
	dockertest.Client(t, "postflight-demo:1.0.0")
	c := swarmtest.New(t, swarmtest.Options{Images: []string{"postflight-demo:1.0.0"}})
	ctx := context.Background()
	name := fmt.Sprintf("pf-sweep-%d", time.Now().UnixNano()%1e9)
	labels := map[string]string{stack.LabelManaged: "true", stack.LabelRun: name}
	three := uint64(3)
	if _, err := c.Manager().Client.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: "postflight-demo:1.0.0", Args: []string{"-role", "writer", "-listen", ":8080"}, Labels: labels},
			Placement:     &swarm.Placement{MaxReplicas: 1},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := swarmtest.WaitRunning(ctx, c.Manager().Client, name, "postflight-demo:1.0.0", 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		t.Run(n.Hostname, func(t *testing.T) { sweepLeavesTasks(t, name, n.Client) })
	}
}

// sweepLeavesTasks sweeps a run named like a service, on one daemon, and
// checks that the service's task there is the same before and after.
func sweepLeavesTasks(t *testing.T, name string, cli *client.Client) {
	t.Helper()
	ctx := context.Background()
	task := func() string {
		res, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("label", "com.docker.swarm.service.name="+name)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range res.Items {
			ids = append(ids, c.ID)
		}
		return strings.Join(ids, ",")
	}
	before := task()
	if before == "" {
		t.Fatal("the service runs no task on this daemon")
	}
	// By its run's label, as `postflight cleanup --run` does: other tests'
	// resources are left alone.
	removed, _, err := stack.Sweep(ctx, cli, name, false)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	for _, c := range removed.Containers {
		if strings.HasPrefix(c.Name, name+".") {
			t.Errorf("swept the service's task %s", c.Name)
		}
	}
	if after := task(); after != before {
		t.Errorf("task %q is now %q", before, after)
	}
}

// A network a Swarm service is attached to is Swarm's while the service
// uses it, even when it carries postflight's labels: cleanup leaves it
// (removing it fails, the service in the way), and sweeps it once the
// service is gone.
func TestSweepLeavesANetworkASwarmServiceUses(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cli := dockertest.Client(t, "postflight-demo:1.0.0")
	dockertest.Swarm(t, cli)
	name := fmt.Sprintf("pf-sweepnet-%d", time.Now().UnixNano()%1e9)
	run := "--label=" + stack.LabelRun + "=" + name
	if out, err := exec.Command("docker", "network", "create", "--driver", "overlay", "--attachable",
		"--label", "io.postflight.managed=true", run, name).CombinedOutput(); err != nil {
		t.Fatalf("network create: %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("docker", "service", "rm", name).Run()
		exec.Command("docker", "network", "rm", name).Run()
	})
	if out, err := exec.Command("docker", "service", "create", "--detach=false", "--quiet", "--name", name, "--network", name,
		"--no-healthcheck", "postflight-demo:1.0.0", "-role", "writer", "-listen", ":8080").CombinedOutput(); err != nil {
		t.Fatalf("service create: %v: %s", err, out)
	}
	ctx := context.Background()
	removed, _, err := stack.Sweep(ctx, cli, name, false)
	if err != nil || len(removed.Networks) != 0 {
		t.Fatalf("sweep while the service uses the network: removed %+v, %v; want nothing, no error", removed.Networks, err)
	}
	if out, err := exec.Command("docker", "service", "rm", name).CombinedOutput(); err != nil {
		t.Fatalf("service rm: %v: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		removed, _, err = stack.Sweep(ctx, cli, name, false)
		if err == nil && len(removed.Networks) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweep after the service went: removed %+v, %v; want the network", removed.Networks, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
