package swarmtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
)

// The demo's good version (make images): a static binary FROM scratch.
const demoImage = "postflight-demo:1.0.0"

func TestAClusterRunsAServiceOnEveryNodeAndLeavesNothingBehind(t *testing.T) {
	start := time.Now()
	c := New(t, Options{Images: []string{demoImage}})
	t.Logf("3-node cluster started, %s loaded into every node, in %s", demoImage, time.Since(start).Round(10*time.Millisecond))
	ctx := context.Background()

	if len(c.Nodes) != 3 || !c.Manager().Manager || c.Nodes[1].Manager || c.Nodes[2].Manager {
		t.Fatalf("want 1 manager and 2 workers, got %+v", c.Nodes)
	}
	for _, n := range c.Nodes {
		info, err := n.Client.Info(ctx, client.InfoOptions{})
		if err != nil {
			t.Fatalf("node %s at %s: %v", n.Hostname, n.Host, err)
		}
		if info.Info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || info.Info.Swarm.NodeID != n.ID {
			t.Errorf("node %s: swarm state %s, node ID %q, want active %q", n.Hostname, info.Info.Swarm.LocalNodeState, info.Info.Swarm.NodeID, n.ID)
		}
		if _, err := n.Client.ImageInspect(ctx, demoImage); err != nil {
			t.Errorf("node %s lacks %s: %v", n.Hostname, demoImage, err)
		}
	}

	// Three replicas, one per node.
	three := uint64(3)
	mgr := c.Manager().Client
	svc, err := mgr.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: "spread"},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: demoImage, Args: []string{"-role", "writer", "-listen", ":8080"}},
			Placement:     &swarm.Placement{MaxReplicas: 1},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		tasks, err := mgr.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", svc.ID).Add("desired-state", "running")})
		if err != nil {
			t.Fatal(err)
		}
		nodes := map[string]bool{}
		for _, task := range tasks.Items {
			if task.Status.State == swarm.TaskStateRunning {
				nodes[task.NodeID] = true
			}
		}
		if len(nodes) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks running on %d node(s) after a minute, want 3: %+v", len(nodes), tasks.Items)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	host := hostDaemon(t)
	left, err := host.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", "io.postflight.run="+c.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	nets, err := host.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", "io.postflight.run="+c.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items)+len(nets.Items) != 0 {
		t.Errorf("closed cluster left %d container(s) and %d network(s)", len(left.Items), len(nets.Items))
	}
}

func TestStartSweepsTheClustersOfTestProcessesThatAreGone(t *testing.T) {
	host := hostDaemon(t)
	ctx := context.Background()
	// A cluster's network as a killed test process leaves it: its owner,
	// a process that no longer runs on this host.
	hostname, _ := os.Hostname()
	gone := fmt.Sprintf("pfswarm%d-dead", os.Getpid())
	labels := map[string]string{
		stack.LabelManaged: "true", stack.LabelRun: gone, Label: "node",
		stack.LabelOwner: fmt.Sprintf("%d@%s", deadPID(t), hostname),
	}
	if _, err := host.NetworkCreate(ctx, gone, client.NetworkCreateOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.NetworkRemove(ctx, gone, client.NetworkRemoveOptions{}) })
	// One of a live process (this one) stays.
	live := gone + "-live"
	labels[stack.LabelRun], labels[stack.LabelOwner] = live, fmt.Sprintf("%d@%s", os.Getpid(), hostname)
	if _, err := host.NetworkCreate(ctx, live, client.NetworkCreateOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.NetworkRemove(ctx, live, client.NetworkRemoveOptions{}) })

	if err := sweep(ctx, host); err != nil {
		t.Fatal(err)
	}
	if _, err := host.NetworkInspect(ctx, gone, client.NetworkInspectOptions{}); err == nil {
		t.Errorf("network %s of a process that is gone is still there", gone)
	}
	if _, err := host.NetworkInspect(ctx, live, client.NetworkInspectOptions{}); err != nil {
		t.Errorf("network %s of a live process was removed: %v", live, err)
	}
}

// deadPID is the PID of a process that ran and ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// BenchmarkClusterStart measures starting a 3-node cluster (1 manager, 2
// workers) with the demo image loaded into every node, and removing it.
func BenchmarkClusterStart(b *testing.B) {
	var up, down time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := Start(context.Background(), Options{Images: []string{demoImage}})
		if errors.Is(err, ErrNoNodeImage) {
			b.Skip(err)
		}
		if err != nil {
			b.Fatal(err)
		}
		up += time.Since(start)
		start = time.Now()
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		down += time.Since(start)
	}
	b.ReportMetric(up.Seconds()/float64(b.N), "s/start")
	b.ReportMetric(down.Seconds()/float64(b.N), "s/close")
}

// helperEnv makes the test binary a process that starts a cluster, says its
// prefix and waits to be interrupted.
const helperEnv = "SWARMTEST_INTERRUPT_HELPER"

func TestHelperStartsAClusterAndWaits(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("runs as the child of TestAnInterruptedTestRemovesItsCluster")
	}
	c, err := Start(context.Background(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("prefix", c.Prefix)
	time.Sleep(5 * time.Minute)
}

func TestAnInterruptedTestRemovesItsCluster(t *testing.T) {
	host := hostDaemon(t)
	ctx := context.Background()
	if _, err := NodeImage(ctx, host); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartsAClusterAndWaits$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var prefix string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "prefix "); ok {
			prefix = p
			break
		}
	}
	if prefix == "" {
		cmd.Wait()
		t.Fatal("the child started no cluster")
	}
	owned := func() int {
		f := make(client.Filters).Add("label", stack.LabelRun+"="+prefix)
		cs, err := host.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := host.NetworkList(ctx, client.NetworkListOptions{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs.Items) + len(ns.Items)
	}
	if n := owned(); n != 3 {
		t.Fatalf("the child's cluster has %d containers and networks, want 2 nodes and a network", n)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
		t.Errorf("the child ended with %v, want killed by SIGINT", err)
	}
	if n := owned(); n != 0 {
		t.Errorf("the interrupted child left %d containers and networks of %s", n, prefix)
	}
}

// hostDaemon connects to the host's daemon, skipping the test in -short
// mode.
func hostDaemon(t *testing.T) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker; skipped in -short mode")
	}
	host, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	return host
}
