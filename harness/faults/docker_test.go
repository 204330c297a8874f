package faults_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

const demoImage = "postflight-demo:1.0.0"

// replicaPlan writes a plan for a replica of the demo stack (its compose
// file copied beside the plan) with the image under test in both services.
func replicaPlan(t *testing.T, checks string) *plan.Plan {
	t.Helper()
	dir := t.TempDir()
	compose, err := os.ReadFile("../../fixtures/demo/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), compose, 0o644); err != nil {
		t.Fatal(err)
	}
	return writePlan(t, dir, "version: 1\nname: faults-replica\nimages: {new: "+demoImage+"}\n"+
		"stack:\n  replica: {compose: compose.yaml, under_test: [writer, reader], ready_timeout: 30s}\nchecks:\n"+checks)
}

const writerHealthy = "  - {name: writer-healthy, kind: http, service: writer, request: {path: /healthz}, expect: {json: {$.status: ok}}, timeout: 1s}\n"

// A replica plan with the Docker daemon out of reach: inconclusive, naming
// Docker, and never a pass or the new version's fault.
func TestDockerUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the fault matrix; skipped in -short mode")
	}
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	t.Run("replica", func(t *testing.T) {
		rep := run(t, replicaPlan(t, writerHealthy), harness.Options{})
		want{slo.Inconclusive, report.Inconclusive, []string{"docker"}}.assert(t, rep, "stack up")
		want{slo.Inconclusive, report.Inconclusive, []string{"stack did not come up"}}.assert(t, rep, "writer-healthy")
	})
	// The host checks look at the daemon DOCKER_HOST names, or at none.
	t.Run("host checks", func(t *testing.T) {
		rep := run(t, existingPlan(t, nettest.RefusedURL(t), `  - {name: hygiene, kind: hygiene, hygiene: {ports: [8080]}}
  - {name: provenance, kind: provenance, provenance: {compose_project: shop, intended: "shop:1.0.0"}}
`), harness.Options{})
		want{slo.Inconclusive, report.Inconclusive, []string{"docker"}}.assert(t, rep, "hygiene")
		want{slo.Inconclusive, report.Inconclusive, []string{"docker"}}.assert(t, rep, "provenance")
	})
}

// The replica's writer stops answering in the middle of a load check — its
// container paused for a while, or cut from its network for good — and
// the check is not a pass: the requests that got no answer are named.
func TestReplicaCutMidLoad(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	tests := []struct {
		name   string
		cut    func(ctx context.Context, cli *client.Client, runID, container string) error
		causes []string
	}{
		{"container paused for 1.5s", func(ctx context.Context, cli *client.Client, runID, id string) error {
			if _, err := cli.ContainerPause(ctx, id, client.ContainerPauseOptions{}); err != nil {
				return err
			}
			time.Sleep(1500 * time.Millisecond)
			_, err := cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
			return err
		}, []string{"timeout"}},
		{"network disconnected", func(ctx context.Context, cli *client.Client, runID, id string) error {
			res, err := stack.Labelled(ctx, cli, stack.LabelRun+"="+runID)
			if err != nil || len(res.Networks) == 0 {
				return fmt.Errorf("the run's network: %v (%d found)", err, len(res.Networks))
			}
			_, err = cli.NetworkDisconnect(ctx, res.Networks[0].ID, client.NetworkDisconnectOptions{Container: id, Force: true})
			return err
		}, []string{"timeout", "reset", "refused", "EOF"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each a replica of its own; the stacks' start is most of the time
			runID := fmt.Sprintf("faults-cut-%d", i)
			var once sync.Once
			cut := make(chan error, 1)
			onProgress := func(string) {
				// The first progress line of the load: the check is running.
				once.Do(func() { go func() { cut <- cutService(cli, runID, "writer", tt.cut) }() })
			}
			rep := run(t, replicaPlan(t, cutLoad), harness.Options{RunID: runID, CheckProgress: onProgress})
			select {
			case err := <-cut:
				if err != nil {
					t.Fatalf("cut the writer: %v", err)
				}
			default:
				t.Fatal("the load check never reported progress: the writer was not cut")
			}
			want{slo.Fail, report.Failed, tt.causes}.assert(t, rep, "load")
			if left := dockertest.Labelled(t, cli, stack.LabelRun, runID); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// cutLoad is 3s of load on the writer, during which it is cut.
const cutLoad = `  - name: load
    kind: load
    service: writer
    timeout: 300ms
    load:
      rate: 50/s
      duration: 3s
      rate_tolerance: 25%
      targets: [{path: /healthz}]
    budgets:
      latency: {p50: 100ms, p99: 250ms}
      error_rate: 5%
`

// cutService applies cut to the run's container of service.
func cutService(cli *client.Client, runID, service string, cut func(ctx context.Context, cli *client.Client, runID, container string) error) error {
	ctx := context.Background()
	f := make(client.Filters).Add("label", stack.LabelRun+"="+runID, stack.LabelService+"="+service)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: f})
	if err != nil {
		return err
	}
	if len(cs.Items) != 1 {
		return fmt.Errorf("%d containers of service %s in run %s, want 1", len(cs.Items), service, runID)
	}
	return cut(ctx, cli, runID, cs.Items[0].ID)
}
