package rollout

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/swarmtest"
)

// serviceImageOn is serviceImage on the swarm whose manager is host.
func serviceImageOn(t testing.TB, host, name string) (string, string) {
	out := docker(t, "-H", host, "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Spec.Mode.Replicated.Replicas}}", name)
	img, replicas, _ := strings.Cut(out, " ")
	return img, replicas
}

// nodesOf are the hostnames of the nodes the tasks of a step ran on.
func nodesOf(c *swarmtest.Cluster, entries []Entry, step int) []string {
	var out []string
	for _, e := range entries {
		if e.Event != EventConverged || e.Step != step {
			continue
		}
		for _, task := range e.Tasks {
			if n := c.Node(task.Node); n != nil && !slices.Contains(out, n.Hostname) {
				out = append(out, n.Hostname)
			}
		}
	}
	slices.Sort(out)
	return out
}

// The rollout on a swarm of three nodes (a manager and two workers,
// Docker engines in containers), driven through the manager alone: the
// checks reach each canary task on its own node, a good version is
// promoted through every step, a slow one aborted at its first step and
// rolled back, and a node stopped in the middle of a step pauses the
// rollout instead of letting it go on.
func TestRolloutOnThreeNodes(t *testing.T) {
	dockertest.Client(t, demoStable, demoGood, demoSlow, demoFlaky)
	c := swarmtest.New(t, swarmtest.Options{Images: []string{demoStable, demoGood, demoSlow, demoFlaky}})
	host := c.Manager().Host
	onCluster := fmt.Sprintf("  host: %s\n", host)

	t.Run("good version promoted", func(t *testing.T) {
		service := serviceOn(t, host, 3)
		p := canaryPlan(t, service, onCluster)
		out, err := Start(bounded(t), p, Options{NewImage: demoGood, Logf: logf(t)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Outcome != OutcomePromoted || out.ExitCode != 0 {
			t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
		}
		if img, n := serviceImageOn(t, host, service); !strings.HasPrefix(img, demoGood) || n != "3" {
			t.Errorf("the service runs %s x%s after the promotion", img, n)
		}
		entries := journalOf(t, p)
		if nodes := nodesOf(c, entries, 2); len(nodes) < 2 {
			t.Errorf("step 2's tasks ran on %v: want them spread over the nodes", nodes)
		}
		want := []string{"decided", "step 1", "converged 1", "judged 1 advance", "step 2", "converged 2", "judged 2 advance",
			"judged 3 promote", "promoting 3", "promoted 3", "verified 3", "finished 3"}
		if got := events(entries); !slices.Equal(got, want) {
			t.Errorf("journal %q, want %q", got, want)
		}
	})

	t.Run("latency regression aborted", func(t *testing.T) {
		service := serviceOn(t, host, 3)
		p := canaryPlan(t, service, onCluster)
		out, err := Start(bounded(t), p, Options{NewImage: demoSlow, Logf: logf(t)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Outcome != OutcomeRolledBack || out.ExitCode != ExitRolledBack || !strings.Contains(out.Reason, "aborted at step 1") ||
			!strings.Contains(out.Reason, "read-latency: p50 latency") {
			t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
		}
		if img, n := serviceImageOn(t, host, service); !strings.HasPrefix(img, demoStable) || n != "3" {
			t.Errorf("the service runs %s x%s after the rollback", img, n)
		}
	})

	t.Run("share of failures caught by the comparison", func(t *testing.T) {
		service := serviceOn(t, host, 3)
		shareOfFailuresCaught(t, comparePlan(t, service, onCluster), func() (string, string) { return serviceImageOn(t, host, service) })
	})

	// Last: it stops a worker. The step's interval is long enough to stop
	// the node of a canary task while the step waits; Swarm marks it down
	// within its heartbeat, and the step's judgement sees it.
	t.Run("node stopped mid-step pauses", func(t *testing.T) {
		service := serviceOn(t, host, 3)
		p := canaryPlan(t, service, onCluster)
		p.Canary.Interval = plan.Duration{Duration: 25 * time.Second, Set: true}
		// Longer than bounded: the rollback waits for Swarm to place the
		// lost node's tasks elsewhere.
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		done := startInBackground(t, ctx, p, demoGood)
		var stopped *swarmtest.Node
		deadline := time.Now().Add(2 * time.Minute)
		for stopped == nil {
			if time.Now().After(deadline) {
				t.Fatal("step 1 never converged")
			}
			time.Sleep(200 * time.Millisecond)
			st, err := ReadStatus(context.Background(), p)
			if err != nil {
				continue
			}
			for _, e := range st.Entries {
				if e.Event != EventConverged || e.Step != 1 {
					continue
				}
				for _, task := range e.Tasks {
					if n := c.Node(task.Node); n != nil && !n.Manager && strings.HasSuffix(task.Service, "-canary") {
						stopped = n
					}
				}
				if stopped == nil { // the canary task is on the manager: stop a worker that runs a stable task
					for _, task := range e.Tasks {
						if n := c.Node(task.Node); n != nil && !n.Manager {
							stopped = n
						}
					}
				}
			}
		}
		t.Logf("stopping %s", stopped.Hostname)
		if out, err := exec.Command("docker", "stop", "--time", "1", stopped.Container).CombinedOutput(); err != nil {
			t.Fatalf("stop node %s: %v: %s", stopped.Hostname, err, out)
		}
		for {
			st, err := ReadStatus(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if st.State == StatePaused {
				break
			}
			select {
			case out := <-done:
				t.Fatalf("the rollout ended without pausing: %s (exit %d): %s\n%s", out.Outcome, out.ExitCode, out.Reason, st.Text())
			case <-time.After(500 * time.Millisecond):
			}
		}
		entries := journalOf(t, p)
		last := entries[len(entries)-1]
		if last.Decision != Pause || !strings.Contains(last.Reason, "not judged: the cluster changed under it") || !strings.Contains(last.Reason, stopped.Hostname) {
			t.Errorf("the pause: %+v, want it to name node %s", last, stopped.Hostname)
		}
		if img, _ := serviceImageOn(t, host, service); strings.HasPrefix(img, demoGood) {
			t.Errorf("the service runs %s while paused: promoted", img)
		}
		if _, err := Act(context.Background(), p, Abort, Options{Logf: logf(t)}); err != nil {
			t.Fatal(err)
		}
		out := <-done
		t.Logf("after the abort: %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
		if out.Outcome != OutcomeRolledBack || out.ExitCode != ExitRolledBack {
			t.Fatalf("after a lost node and an abort: %s (exit %d), want rolled back on the nodes left and verified", out.Outcome, out.ExitCode)
		}
		if img, n := serviceImageOn(t, host, service); !strings.HasPrefix(img, demoStable) || n != "3" {
			t.Errorf("the service runs %s x%s after the abort", img, n)
		}
	})
}
