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
	"github.com/postflight/postflight/internal/swarmtest"
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

// cluster is the package's 3-node swarm, started by the first test that
// asks for it.
var cluster swarmtest.Shared

// swarmUnderTest is where a Swarm test runs: the daemon's one-node swarm or
// the 3-node cluster.
type swarmUnderTest struct {
	// host is the manager's daemon; empty for the environment's.
	host string
	// addr is where the host reaches a port published in host mode.
	addr string
	// replicas is how many tasks a service runs: one per node.
	replicas int
	// nodes are the other nodes' daemons, for the plan's swarm driver.
	nodes map[string]string
}

// onEverySwarm runs a test on the daemon's swarm and on the 3-node cluster
// (-run 'Test.../three_nodes' picks one). On the cluster, DOCKER_HOST is its
// manager for the test, as it would be for a user of a remote swarm.
func onEverySwarm(t *testing.T, test func(t *testing.T, sw swarmUnderTest)) {
	images := []string{"postflight-demo:1.0.0", "postflight-demo:1.1.0"}
	t.Run("one node", func(t *testing.T) {
		dockertest.Swarm(t, dockertest.Client(t, images...))
		test(t, swarmUnderTest{addr: "127.0.0.1", replicas: 1})
	})
	t.Run("three nodes", func(t *testing.T) {
		dockertest.Client(t, images...)
		c := cluster.Get(t, images...)
		sw := swarmUnderTest{host: c.Manager().Host, addr: c.Manager().Addr, replicas: len(c.Nodes), nodes: map[string]string{}}
		for _, n := range c.Nodes[1:] {
			sw.nodes[n.Hostname] = n.Host
		}
		t.Setenv("DOCKER_HOST", sw.host)
		test(t, sw)
	})
}

// docker runs the docker command line against the swarm's manager.
func (sw swarmUnderTest) docker(t testing.TB, args ...string) string {
	t.Helper()
	if sw.host != "" {
		args = append([]string{"-H", sw.host}, args...)
	}
	return docker(t, args...)
}

// swarmDemo deploys the demo writer as a Swarm service published in host
// mode, one task per node, first at 1.0.0 and then updated to bad, as a
// deploy would, and returns the service name and its URL.
func swarmDemo(t testing.TB, sw swarmUnderTest, bad string) (string, string) {
	name := fmt.Sprintf("pf-test-%d", time.Now().UnixNano()%1e9)
	port := strconv.Itoa(nettest.FreePort(t))
	sw.docker(t, "service", "create", "--detach=false", "--quiet", "--name", name,
		"--label", "io.postflight.managed=true", "--container-label", "io.postflight.managed=true",
		"--replicas", strconv.Itoa(sw.replicas), "--replicas-max-per-node", "1",
		"--publish", "mode=host,target=8080,published="+port, "--no-healthcheck",
		"--update-order", "stop-first", "--update-parallelism", strconv.Itoa(sw.replicas), "--stop-grace-period", "2s",
		"--rollback-order", "stop-first", "--rollback-parallelism", strconv.Itoa(sw.replicas),
		"postflight-demo:1.0.0", "-role", "writer", "-listen", ":8080")
	t.Cleanup(func() {
		args := []string{"service", "rm", name}
		if sw.host != "" {
			args = append([]string{"-H", sw.host}, args...)
		}
		exec.Command("docker", args...).Run()
	})
	sw.docker(t, "service", "update", "--detach=false", "--quiet", "--image", bad, name)
	return name, "http://" + sw.addr + ":" + port
}

func swarmPlan(t testing.TB, sw swarmUnderTest, service, url string) string {
	dir := t.TempDir()
	nodes := ""
	for node, host := range sw.nodes {
		nodes += fmt.Sprintf("\n      %s: %q", node, host)
	}
	if nodes != "" {
		nodes = "\n    nodes:" + nodes
	}
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
  swarm:
    services: [%s]%s
  timeout: 60s
  verify: [writer-healthy, write, read]
  state_dir: state
`, url, service, nodes)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A bad version deployed to a Swarm service is rolled back to the previous
// spec and verified, end to end through a plan: on one node, and with one
// task on each of three nodes.
func TestRunRollsBackASwarmService(t *testing.T) {
	onEverySwarm(t, testRunRollsBackASwarmService)
}

func testRunRollsBackASwarmService(t *testing.T, sw swarmUnderTest) {
	service, url := swarmDemo(t, sw, "postflight-demo:1.1.0")
	p := loadPlan(t, swarmPlan(t, sw, service, url))
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
	t.Logf("postflight run start to verified rollback on Swarm, %d task(s): %s", sw.replicas, time.Since(start).Round(time.Millisecond))
	if want := fmt.Sprintf("%d running task(s) on postflight-demo:1.0.0", sw.replicas); !strings.Contains(rep.Rollback.Outcome.Verified, want) {
		t.Errorf("verified %q, want it to say %q", rep.Rollback.Outcome.Verified, want)
	}
	if img := sw.docker(t, "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", service); !strings.HasPrefix(img, "postflight-demo:1.0.0") {
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
		cli := dockertest.Client(b, "postflight-demo:1.0.0", "postflight-demo:1.1.0")
		dockertest.Swarm(b, cli)
		sw := swarmUnderTest{addr: "127.0.0.1", replicas: 1}
		service, url := swarmDemo(b, sw, "postflight-demo:1.1.0")
		p := loadPlan(b, swarmPlan(b, sw, service, url))
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
