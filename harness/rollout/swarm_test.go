package rollout

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"
)

// The demo images (make images): 1.0.0 is the stable version, 1.4.0 serves
// as well (only a package differs), 1.3.0 answers every read 300ms late.
const (
	demoStable = "postflight-demo:1.0.0"
	demoGood   = "postflight-demo:1.4.0"
	demoSlow   = "postflight-demo:1.3.0"
	// demoFlaky fails one read in 20: within a 10% error budget.
	demoFlaky = "postflight-demo:1.6.0"
)

// childEnv makes the test binary a canary of the plan it names, for the
// test that kills one.
const childEnv = "POSTFLIGHT_ROLLOUT_TEST_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		p, err := plan.Load(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out, err := Start(context.Background(), p, Options{NewImage: demoGood})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(out.ExitCode)
	}
	os.Exit(m.Run())
}

func docker(t testing.TB, args ...string) string {
	t.Helper()
	return dockertest.Docker(t, args...)
}

// stableService runs the demo writer at 1.0.0 as a Swarm service of n
// tasks on the daemon's own swarm (see serviceOn).
func stableService(t testing.TB, n int) string {
	cli := dockertest.Client(t, demoStable, demoGood, demoSlow, demoFlaky)
	dockertest.Swarm(t, cli)
	return serviceOn(t, "", n)
}

// serviceOn runs the demo writer at 1.0.0 as a Swarm service of n tasks on
// the swarm whose manager is host ("" for the daemon's own), on an
// attachable overlay network, each task publishing 8080 in host mode on a
// port Swarm picks, as a deploy would; the service, its canary and the
// network are removed when the test ends.
func serviceOn(t testing.TB, host string, n int) string {
	var h []string
	if host != "" {
		h = []string{"-H", host}
	}
	cmd := func(args ...string) []string { return append(slices.Clone(h), args...) }
	name := fmt.Sprintf("pfc-test-%d", time.Now().UnixNano()%1e9)
	docker(t, cmd("network", "create", "--driver", "overlay", "--attachable", "--label", "io.postflight.managed=true", name)...)
	t.Cleanup(func() {
		exec.Command("docker", cmd("service", "rm", name, name+"-canary")...).Run()
		for range 50 { // the network goes once its tasks' endpoints did
			if exec.Command("docker", cmd("network", "rm", name)...).Run() == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	docker(t, cmd("service", "create", "--detach=false", "--quiet", "--name", name, "--replicas", fmt.Sprint(n),
		"--network", name, "--label", "io.postflight.managed=true", "--container-label", "io.postflight.managed=true",
		"--publish", "mode=host,target=8080", "--no-healthcheck", "--stop-grace-period", "1s",
		demoStable, "-role", "writer", "-listen", ":8080")...)
	return name
}

// canaryPlan writes a plan that rolls service out in steps of 30% (at
// least one task) and 60%, judged by a health check, a write and a read
// latency budget under load; extra is appended to the canary section.
func canaryPlan(t testing.TB, service, extra string) *plan.Plan {
	dir := t.TempDir()
	src := fmt.Sprintf(`version: 1
name: canary
stack:
  existing:
    services:
      writer: {}
checks:
  - {name: writer-healthy, kind: http, service: writer, request: {path: /healthz},
     expect: {json: {"$.status": ok}}, retries: 40, retry_interval: 250ms}
  - {name: write, kind: http, service: writer, request: {method: PUT, path: /kv/k, body: v}}
  - name: read-latency
    kind: load
    service: writer
    load:
      rate: 40/s
      duration: 2s
      # the tests' swarms share two cores with other tests' swarms: a load
      # that fell a little short still tells 300 ms from a few ms
      rate_tolerance: 30%%
      targets: [{path: /kv/k, expect: {json: {"$.value": v}}}]
    budgets:
      latency: {p50: 150ms}
      error_rate: 5%%
  - name: read-p99
    kind: load
    service: writer
    load: {rate: 10/s, duration: 1s, targets: [{path: /kv/k}]}
    budgets: {latency: {p99: 1s}}
canary:
  services: {writer: %s}
  steps: [{percent: 30, min: 1}, {percent: 60}, {percent: 100}]
  interval: 500ms
  timeout: 60s
  checks: [writer-healthy, write, read-latency]
  verify: [writer-healthy, write, read-latency]
  state_dir: state
%s`, service, extra)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// bounded is a test's context for a rollout: one that pauses where the
// test does not expect it is interrupted (and says so) rather than
// waiting for a person for ever.
func bounded(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func logf(t testing.TB) func(string, ...any) {
	return func(format string, args ...any) { t.Logf(format, args...) }
}

func serviceImage(t testing.TB, name string) (string, string) {
	out := docker(t, "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Spec.Mode.Replicated.Replicas}}", name)
	img, replicas, _ := strings.Cut(out, " ")
	return img, replicas
}

func serviceExists(name string) bool {
	return exec.Command("docker", "service", "inspect", name).Run() == nil
}

// startInBackground starts a rollout of p to image and returns where its
// outcome will come.
func startInBackground(t *testing.T, ctx context.Context, p *plan.Plan, image string) <-chan Outcome {
	done := make(chan Outcome, 1)
	go func() {
		out, err := Start(ctx, p, Options{NewImage: image, Logf: logf(t)})
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	return done
}

func journalOf(t testing.TB, p *plan.Plan) []Entry {
	t.Helper()
	st, err := ReadStatus(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Entries
}

func events(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		s := string(e.Event)
		if e.Step > 0 {
			s += fmt.Sprint(" ", e.Step)
		}
		if e.Decision != "" {
			s += " " + e.Decision
		}
		out = append(out, s)
	}
	return out
}

func TestGoodVersionIsPromotedThroughEveryStep(t *testing.T) {
	service := stableService(t, 3)
	p := canaryPlan(t, service, "")
	out, err := Start(bounded(t), p, Options{NewImage: demoGood, Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomePromoted || out.ExitCode != 0 {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	if img, n := serviceImage(t, service); !strings.HasPrefix(img, demoGood) || n != "3" {
		t.Errorf("the service runs %s x%s after the promotion", img, n)
	}
	if serviceExists(service + "-canary") {
		t.Error("the canary service is left after the promotion")
	}
	entries := journalOf(t, p)
	want := []string{"decided", "step 1", "converged 1", "judged 1 advance", "step 2", "converged 2", "judged 2 advance",
		"judged 3 promote", "promoting 3", "promoted 3", "verified 3", "finished 3"}
	if got := events(entries); !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
	// Step 1 moved one task of three to the canary, on a node the
	// manager named; the stable service kept the two others.
	for _, e := range entries {
		if e.Event == EventConverged && e.Step == 1 {
			var canary, stable int
			for _, task := range e.Tasks {
				switch {
				case task.Service == service+"-canary" && strings.HasPrefix(task.Image, demoGood) && task.Node != "" && task.Addr != "":
					canary++
				case task.Service == service && strings.HasPrefix(task.Image, demoStable):
					stable++
				}
			}
			if canary != 1 || stable != 2 {
				t.Errorf("step 1 ran %d canary and %d stable task(s), want 1 and 2: %+v", canary, stable, e.Tasks)
			}
		}
		if e.Event == EventJudged && e.Step == 1 {
			if len(e.Checks) != 3 || e.Checks[2].Objectives[0].Observed.Value <= 0 || e.By != "policy" {
				t.Errorf("step 1's judgement: %+v", e)
			}
		}
	}
}

func TestLatencyRegressionIsAbortedAtItsFirstStepAndRolledBack(t *testing.T) {
	service := stableService(t, 3)
	p := canaryPlan(t, service, "")
	out, err := Start(bounded(t), p, Options{NewImage: demoSlow, Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomeRolledBack || out.ExitCode != ExitRolledBack {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	if !strings.Contains(out.Reason, "aborted at step 1") || !strings.Contains(out.Reason, "read-latency: p50 latency") || !strings.Contains(out.Reason, "exceeds budget 150ms") {
		t.Errorf("reason %q names no step 1 and no failed objective", out.Reason)
	}
	if img, n := serviceImage(t, service); !strings.HasPrefix(img, demoStable) || n != "3" {
		t.Errorf("the service runs %s x%s after the rollback", img, n)
	}
	if serviceExists(service + "-canary") {
		t.Error("the canary service is left after the rollback")
	}
	entries := journalOf(t, p)
	want := []string{"decided", "step 1", "converged 1", "judged 1 abort", "aborting 1", "rolled-back 1", "verified 1", "finished 1"}
	if got := events(entries); !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
	if v := entries[len(entries)-2].Verdict; v == nil || v.Status != slo.Pass {
		t.Errorf("verification %+v, want a pass", v)
	}
}

// A step that cannot be judged (too few samples for a p99) pauses; a
// person aborts it from another shell (the control API, as `postflight
// canary abort` calls it), and the abort is journaled with their name.
func TestAbortFromAnotherShellWhilePaused(t *testing.T) {
	service := stableService(t, 2)
	p := canaryPlan(t, service, "")
	p.Canary.Checks = []string{"writer-healthy", "write", "read-p99"}
	done := startInBackground(t, bounded(t), p, demoGood)
	deadline := time.Now().Add(90 * time.Second)
	for {
		st, err := ReadStatus(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == StatePaused {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never paused: %s", st.Text())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A second canary of the same service is kept off it, and says by whom.
	second, err := Start(context.Background(), p, Options{NewImage: demoGood, LockTimeout: 100 * time.Millisecond})
	if err != nil || second.Outcome != OutcomeLocked || second.ExitCode != ExitInconclusive || !strings.Contains(second.Reason, "swarm service "+service) || !strings.Contains(second.Reason, "pid") {
		t.Errorf("a second canary: %+v, %v", second, err)
	}
	if st, _ := ReadStatus(context.Background(), p); !strings.Contains(st.Text(), "paused, by run canary-") {
		t.Errorf("status while paused:\n%s", st.Text())
	}
	req, err := Act(context.Background(), p, Abort, Options{Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if req.Outcome != OutcomeRequested || req.ExitCode != 0 || !strings.Contains(req.Reason, "picked up") {
		t.Errorf("request: %+v", req)
	}
	out := <-done
	if out.Outcome != OutcomeRolledBack || out.ExitCode != ExitRolledBack || !strings.Contains(out.Reason, "asked to abort at step 1") {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	if img, n := serviceImage(t, service); !strings.HasPrefix(img, demoStable) || n != "2" || serviceExists(service+"-canary") {
		t.Errorf("after the abort the service runs %s x%s (canary left: %v)", img, n, serviceExists(service+"-canary"))
	}
	entries := journalOf(t, p)
	want := []string{"decided", "step 1", "converged 1", "judged 1 pause", "control 1 abort", "aborting 1", "rolled-back 1", "verified 1", "finished 1"}
	if got := events(entries); !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
	for _, e := range entries {
		if e.Event == EventControl && (e.By != "person" || e.Who == nil || e.Who.User == "" || e.Request == "") {
			t.Errorf("the control entry does not say who asked: %+v", e)
		}
	}
}

// A canary killed with SIGKILL in the middle of its rollout is continued
// from its journal by `postflight canary resume` (Act), to a promotion.
func TestKilledCanaryResumesFromItsJournal(t *testing.T) {
	service := stableService(t, 3)
	p := canaryPlan(t, service, "")
	// A longer wait on each step leaves time to kill it mid-step.
	src, err := os.ReadFile(p.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.Path, []byte(strings.Replace(string(src), "interval: 500ms", "interval: 4s", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+p.Path)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for !slices.Contains(events(journalOf(t, p)), "converged 2") {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("step 2 never converged: %q", events(journalOf(t, p)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	st, err := ReadStatus(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateStopped {
		t.Fatalf("state %s after the kill, want stopped", st.State)
	}
	out, err := Act(bounded(t), p, Resume, Options{Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomePromoted || out.ExitCode != 0 {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	if img, n := serviceImage(t, service); !strings.HasPrefix(img, demoGood) || n != "3" || serviceExists(service+"-canary") {
		t.Errorf("after the resume the service runs %s x%s", img, n)
	}
	got := events(journalOf(t, p))
	i := slices.Index(got, "resumed 2")
	if i < 0 || !slices.Equal(got[len(got)-5:], []string{"judged 3 promote", "promoting 3", "promoted 3", "verified 3", "finished 3"}) {
		t.Errorf("journal %q: want a resume at step 2, then the promotion", got)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	service := stableService(t, 3)
	p := canaryPlan(t, service, "")
	before := docker(t, "service", "inspect", "--format", "{{.Version.Index}}", service)
	var table strings.Builder
	out, err := Start(context.Background(), p, Options{NewImage: demoGood, DryRun: true, Console: &table})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomeDryRun || out.ExitCode != 0 {
		t.Errorf("outcome %+v", out)
	}
	for _, want := range []string{"3 task(s), " + demoStable + " -> " + demoGood, "1     30% (min 1)    1 of 3 (33.33%)", "2     60%            2 of 3 (66.67%)", "3     100%           3 of 3 (100%)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("no %q in the table:\n%s", want, table.String())
		}
	}
	if after := docker(t, "service", "inspect", "--format", "{{.Version.Index}}", service); after != before || serviceExists(service+"-canary") {
		t.Errorf("the dry run changed the service (version %s -> %s) or made a canary", before, after)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p.Path), "state")); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote to the state directory: %v", err)
	}
}

// comparePlan writes a plan whose steps are judged by an absolute error
// budget of 10% and by a comparison of each canary task with a stable one
// under the same load (reads of a key nobody wrote: 404 on both sides).
func comparePlan(t testing.TB, service, extra string) *plan.Plan {
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	src := fmt.Sprintf(`version: 1
name: canary-compare
stack:
  existing:
    services:
      writer: {}
checks:
  - {name: writer-healthy, kind: http, service: writer, request: {path: /healthz},
     expect: {json: {"$.status": ok}}, retries: 40, retry_interval: 250ms}
  - name: read-errors
    kind: load
    service: writer
    load: {rate: 40/s, duration: 2s, targets: [{path: /kv/none, expect: {status: 404}}]}
    budgets: {error_rate: 10%%}
  - name: vs-stable
    kind: compare
    service: writer
    expect: {status: 404}
    # a loose tolerance: two tasks of one version on a busy machine differ
    # in their tails; a share of failed reads is still far beyond it
    compare: {path: /kv/none, rate: 50/s, duration: 4s, tolerance: 50%%}
canary:
  services: {writer: %s}
  steps: [{percent: 30, min: 1}, {percent: 100}]
  interval: 500ms
  timeout: 60s
  checks: [writer-healthy, read-errors, vs-stable]
  verify: [writer-healthy]
  state_dir: state
%s`, service, extra)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A version that fails one read in 20 meets the absolute error budget of
// 10%: only the comparison with the stable tasks beside it catches it,
// and the rollout aborts at its first step naming the comparison.
func TestShareOfFailuresIsCaughtByTheComparisonAlone(t *testing.T) {
	service := stableService(t, 3)
	p := comparePlan(t, service, "")
	shareOfFailuresCaught(t, p, func() (string, string) { return serviceImage(t, service) })
}

// shareOfFailuresCaught rolls p out to demoFlaky and holds the outcome to
// an abort at step 1 by the comparison alone; image tells what the
// service runs afterwards.
func shareOfFailuresCaught(t *testing.T, p *plan.Plan, image func() (string, string)) {
	out, err := Start(bounded(t), p, Options{NewImage: demoFlaky, Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomeRolledBack || out.ExitCode != ExitRolledBack {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	if !strings.Contains(out.Reason, "aborted at step 1") || !strings.Contains(out.Reason, "vs-stable") {
		t.Errorf("reason %q names no step 1 and no comparison", out.Reason)
	}
	if img, n := image(); !strings.HasPrefix(img, demoStable) || n != "3" {
		t.Errorf("the service runs %s x%s after the rollback", img, n)
	}
	for _, e := range journalOf(t, p) {
		if e.Event != EventJudged {
			continue
		}
		for _, c := range e.Checks {
			switch c.Name {
			case "read-errors":
				if c.Status != slo.Pass {
					t.Errorf("the absolute budget: %s (%s), want a pass: the fault is within it", c.Status, c.Reason)
				}
			case "vs-stable":
				if c.Status != slo.Fail || !strings.Contains(c.Reason, "error") {
					t.Errorf("the comparison: %s (%s), want worse on its errors", c.Status, c.Reason)
				}
			}
		}
	}
}

// The same plan promotes a good version: its comparison at the first step
// finds it no worse, and the step that moves every task, with no stable
// task left, does not run it.
func TestGoodVersionPassesItsComparisonAndIsPromoted(t *testing.T) {
	service := stableService(t, 3)
	p := comparePlan(t, service, "")
	out, err := Start(bounded(t), p, Options{NewImage: demoGood, Logf: logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Outcome != OutcomePromoted || out.ExitCode != 0 {
		t.Fatalf("outcome %s (exit %d): %s", out.Outcome, out.ExitCode, out.Reason)
	}
	compared := map[int]slo.Status{}
	for _, e := range journalOf(t, p) {
		for _, c := range e.Checks {
			if e.Event == EventJudged && c.Name == "vs-stable" {
				compared[e.Step] = c.Status
			}
		}
	}
	if len(compared) != 1 || compared[1] != slo.Pass {
		t.Errorf("comparisons by step %v, want one at step 1, passed", compared)
	}
}
