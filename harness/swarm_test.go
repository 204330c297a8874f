package harness_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

func docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// swarmDemo deploys the demo writer as a Swarm service published in host
// mode, first at 1.0.0 and then updated to bad, as a deploy would, and
// returns the service name and its URL.
func swarmDemo(t testing.TB, bad string) (string, string) {
	cli := dockertest.Client(t, "postflight-demo:1.0.0", bad)
	dockertest.Swarm(t, cli)
	name := fmt.Sprintf("pf-test-%d", time.Now().UnixNano()%1e9)
	port := strconv.Itoa(nettest.FreePort(t))
	docker(t, "service", "create", "--detach=false", "--quiet", "--name", name,
		"--label", "io.postflight.managed=true", "--container-label", "io.postflight.managed=true",
		"--publish", "mode=host,target=8080,published="+port, "--no-healthcheck",
		"--update-order", "stop-first", "--stop-grace-period", "2s",
		"postflight-demo:1.0.0", "-role", "writer", "-listen", ":8080")
	t.Cleanup(func() { exec.Command("docker", "service", "rm", name).Run() })
	docker(t, "service", "update", "--detach=false", "--quiet", "--image", bad, name)
	return name, "http://127.0.0.1:" + port
}

func swarmPlan(t testing.TB, service, url string) string {
	dir := t.TempDir()
	src := fmt.Sprintf(`version: 1
name: swarm
stack:
  existing:
    services:
      writer: {url: %q}
checks:
  - name: writer-healthy
    kind: http
    service: writer
    request: {path: /healthz}
    expect: {json: {"$.status": ok}}
    retries: 40
    retry_interval: 250ms
  - name: write
    kind: http
    service: writer
    request: {method: PUT, path: /kv/k, body: v}
  - name: read
    kind: http
    service: writer
    request: {path: /kv/k}
    expect: {json: {"$.value": v}}
rollback:
  driver: swarm
  swarm: {services: [%s]}
  timeout: 60s
  verify: [writer-healthy, write, read]
  state_dir: state
`, url, service)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A bad version deployed to a Swarm service is rolled back to the previous
// spec and verified, end to end through a plan.
func TestRunRollsBackASwarmService(t *testing.T) {
	service, url := swarmDemo(t, "postflight-demo:1.1.0")
	p := loadPlan(t, swarmPlan(t, service, url))
	start := time.Now()
	rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.RolledBack {
		t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
	}
	if rb := rep.Rollback; rb.VerifyVerdict == nil || rb.VerifyVerdict.Status != slo.Pass || rb.Outcome.Driver != "swarm" {
		t.Fatalf("rollback %+v", rb)
	}
	t.Logf("postflight run start to verified rollback on Swarm: %s", time.Since(start).Round(time.Millisecond))
	if img := docker(t, "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", service); !strings.HasPrefix(img, "postflight-demo:1.0.0") {
		t.Errorf("service runs %s after the rollback", img)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(p.Path), "state", "*.journal")); len(left) > 0 {
		t.Errorf("journals of a finished rollback left: %v", left)
	}
}

// BenchmarkSwarmRunToVerifiedRollback: from `postflight run` start to a
// verified rollback of the demo's broken version on Swarm.
func BenchmarkSwarmRunToVerifiedRollback(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		service, url := swarmDemo(b, "postflight-demo:1.1.0")
		p := loadPlan(b, swarmPlan(b, service, url))
		b.StartTimer()
		start := time.Now()
		rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0"})
		total += time.Since(start)
		if err != nil || rep.Outcome != report.RolledBack {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/rollback")
}
