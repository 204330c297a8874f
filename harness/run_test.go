package harness_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/internal/statetest"
	"github.com/postflight/postflight/slo"
)

// Rollback journals and locks go to a directory of the tests' own.
func TestMain(m *testing.M) { statetest.Main(m, func() { cluster.Close() }) }

const demoPlan = "../fixtures/demo/postflight.yaml"

func needDocker(t *testing.T) *client.Client {
	return dockertest.Client(t, "postflight-demo:1.0.0", "postflight-demo:1.1.0", "postflight-demo:1.2.0", "postflight-demo:1.3.0", "postflight-demo:1.4.0", "postflight-demo:1.5.0")
}

func leftovers(t *testing.T, cli *client.Client, runID string) []string {
	return dockertest.Labelled(t, cli, stack.LabelRun, runID)
}

func loadPlan(t testing.TB, path string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func byName(rep *report.Report) map[string]slo.Status {
	m := map[string]slo.Status{}
	for _, r := range rep.Checks {
		m[r.Name] = r.Status
	}
	return m
}

func TestRunDemoGoodVersionPasses(t *testing.T) {
	cli := needDocker(t)
	dir := t.TempDir()
	rep, err := harness.Run(context.Background(), loadPlan(t, demoPlan), harness.Options{
		NewImage: "postflight-demo:1.0.0", OldImage: "postflight-demo:1.0.0", ReportDir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Passed || rep.ExitCode != 0 {
		t.Fatalf("outcome %s (exit %d): %s; checks %+v", rep.Outcome, rep.ExitCode, rep.Summary, rep.Checks)
	}
	if len(rep.Checks) != 8 {
		t.Fatalf("got %d check results, want the plan's 8", len(rep.Checks))
	}
	for _, c := range rep.Checks {
		replica := strings.HasPrefix(c.Target, "GET http://127.0.0.1:") || strings.HasPrefix(c.Target, "PUT http://127.0.0.1:")
		if c.Status != slo.Pass || c.Kind == "http" && !replica {
			t.Errorf("check %s: %s against %q: %s", c.Name, c.Status, c.Target, c.Reason)
		}
	}
	if rep.Rollback != nil {
		t.Errorf("a passing run rolled back: %+v", rep.Rollback)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestRunDemoBrokenVersionRollsBackAndVerifies(t *testing.T) {
	cli := needDocker(t)
	dir := t.TempDir()
	rep, err := harness.Run(context.Background(), loadPlan(t, demoPlan), harness.Options{
		NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0", ReportDir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.RolledBack || rep.ExitCode != 3 {
		t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	want := map[string]slo.Status{"packages": slo.Pass, "writer-healthy": slo.Pass, "reader-healthy": slo.Pass, "write-accepted": slo.Pass,
		"read-your-write": slo.Fail, "replicated-to-reader": slo.Fail, "e2e": slo.Fail, "kv-under-load": slo.Fail}
	got := byName(rep)
	for name, st := range want {
		if got[name] != st {
			t.Errorf("check %s: %s, want %s", name, got[name], st)
		}
	}
	for _, c := range rep.Checks {
		if c.Status == slo.Fail && c.Kind != "ginkgo" && !strings.Contains(c.Observed, "status 500") {
			t.Errorf("check %s observed %q, want the 500 the broken version answers", c.Name, c.Observed)
		}
	}
	rb := rep.Rollback
	if rb == nil || rb.Outcome == nil {
		t.Fatalf("no rollback recorded: %+v", rb)
	}
	if !strings.Contains(rb.Outcome.Output, "rolling back writer,reader from postflight-demo:1.1.0 to postflight-demo:1.0.0 because 4 of 8 checks failed: read-your-write, replicated-to-reader, e2e, kv-under-load\n") {
		t.Errorf("rollback command output %q lacks the images and reason from its environment", rb.Outcome.Output)
	}
	if rb.VerifyVerdict == nil || rb.VerifyVerdict.Status != slo.Pass || len(rb.Verify) != 6 {
		t.Fatalf("verify after rollback: %+v %+v", rb.VerifyVerdict, rb.Verify)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}

	// The reports CI reads say the same.
	var fromJSON report.Report
	b, err := os.ReadFile(filepath.Join(dir, "postflight.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if fromJSON.Outcome != report.RolledBack || fromJSON.Verdict.Status != slo.Fail || len(fromJSON.Checks) != 8 {
		t.Errorf("postflight.json: outcome %s verdict %s, %d checks", fromJSON.Outcome, fromJSON.Verdict.Status, len(fromJSON.Checks))
	}
	var junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	b, err = os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &junit); err != nil {
		t.Fatal(err)
	}
	if junit.Tests != 15 || junit.Failures != 4 || len(junit.Suites) != 3 || junit.Suites[1].Name != "postflight.verify" {
		t.Errorf("junit.xml: %d tests, %d failures, suites %+v; want 15 tests (8 checks, 6 verify, the outcome), 4 failures", junit.Tests, junit.Failures, junit.Suites)
	}
}

func TestRunDryRunDecidesWithoutRollingBack(t *testing.T) {
	cli := needDocker(t)
	rep, err := harness.Run(context.Background(), loadPlan(t, demoPlan), harness.Options{
		NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0", DryRun: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Failed || rep.ExitCode != 1 {
		t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	if rb := rep.Rollback; rb == nil || rb.Outcome == nil || !rb.Outcome.DryRun || !strings.Contains(rb.Plan, "POSTFLIGHT_OLD_IMAGE=postflight-demo:1.0.0") {
		t.Errorf("dry run: rollback %+v, want a described plan and a dry-run outcome", rb)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestRunRefusesWhatWouldFailHalfWay(t *testing.T) {
	cli := needDocker(t)
	tests := []struct {
		name string
		opts harness.Options
		want []string
	}{
		{"image under test not on this host", harness.Options{NewImage: "postflight-demo:0.0.0-missing", OldImage: "postflight-demo:1.0.0"},
			[]string{"image postflight-demo:0.0.0-missing is not on this host (postflight does not pull images"}},
		{"rollback target not on this host", harness.Options{NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:9.9.9"},
			[]string{"image postflight-demo:9.9.9 is not on this host"}},
		{"images that are no image references", harness.Options{NewImage: "Postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0\n## passed"},
			[]string{`image under test "Postflight-demo:1.1.0" is not an image reference`, `rollback image "postflight-demo:1.0.0\n## passed" is not an image reference`}},
		{"report directory cannot be written, and the old image too", harness.Options{NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:9.9.9", ReportDir: "/proc/postflight-reports"},
			[]string{"image postflight-demo:9.9.9 is not on this host", "report directory /proc/postflight-reports:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadPlan(t, demoPlan)
			rep, err := harness.Run(context.Background(), p, tt.opts)
			if err == nil {
				t.Fatalf("run started: %s", rep.Summary)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			abs, _ := filepath.Abs(p.Path)
			if n := dockertest.Labelled(t, cli, stack.LabelPlan, abs); len(n) > 0 {
				t.Errorf("started %v", n)
			}
		})
	}
	// A replica whose checks all go elsewhere would be asked nothing: the
	// broken version would pass on a healthy server's answers.
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer healthy.Close()
	p := loadPlan(t, demoPlan)
	p.Checks = []plan.Check{{Name: "elsewhere", Kind: plan.KindHTTP, URL: healthy.URL}}
	rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: "postflight-demo:1.1.0"})
	if err == nil || !strings.Contains(err.Error(), "no check measures the replica") {
		t.Errorf("a replica no check measures: err %v, report %+v", err, rep)
	}
	if n := dockertest.Labelled(t, cli, stack.LabelPlan, p.Path); len(n) > 0 {
		t.Errorf("started %v", n)
	}
	// A plan that rolls back needs an old image.
	p = loadPlan(t, demoPlan)
	p.Images.Old = ""
	if _, err := harness.Run(context.Background(), p, harness.Options{NewImage: "postflight-demo:1.1.0"}); err == nil || !strings.Contains(err.Error(), "give --old or images.old") {
		t.Errorf("no old image: err %v", err)
	}
}

// existingPlan writes a plan for an existing stack at url, with an http
// check on /healthz and a command rollback that records its environment.
func existingPlan(t *testing.T, url, policy string, verify bool) (*plan.Plan, string) {
	t.Helper()
	dir := t.TempDir()
	marker := filepath.Join(dir, "rolled-back")
	v := ""
	if verify {
		v = "\n  verify: [health]"
	}
	src := fmt.Sprintf(`version: 1
name: existing
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - name: health
    kind: http
    service: web
    request: {path: /healthz}
    timeout: 300ms
    retries: 1
    retry_interval: 10ms
policy:
  inconclusive: %s
rollback:
  driver: command
  command: [sh, -c, 'echo "$POSTFLIGHT_OLD_IMAGE $POSTFLIGHT_REASON" > %s; test "$FAIL" != 1']%s
`, url, policy, marker, v)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return loadPlan(t, path), marker
}

func TestRunExistingStack(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer healthy.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer broken.Close()

	tests := []struct {
		name       string
		url        string
		policy     string
		verify     bool
		failCmd    bool
		want       report.Outcome
		rolledBack bool
	}{
		{"healthy target passes", healthy.URL, "hold", false, false, report.Passed, false},
		{"target down is inconclusive, held", nettest.RefusedURL(t), "hold", false, false, report.Inconclusive, false},
		{"target down rolls back when the policy says so", nettest.RefusedURL(t), "rollback", false, false, report.RolledBack, true},
		{"failing target rolls back", broken.URL, "hold", false, false, report.RolledBack, true},
		{"rollback command failing is rollback-failed", broken.URL, "hold", false, true, report.RollbackFailed, true},
		{"verification failing after rollback is rollback-failed", broken.URL, "hold", true, false, report.RollbackFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, marker := existingPlan(t, tt.url, tt.policy, tt.verify)
			if tt.failCmd {
				t.Setenv("FAIL", "1")
			}
			rep, err := harness.Run(context.Background(), p, harness.Options{OldImage: "app:1.0"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != tt.want || rep.ExitCode != tt.want.ExitCode() {
				t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
			}
			if strings.Contains(rep.Summary, "verify: verify") {
				t.Errorf("the verify step is named twice: %s", rep.Summary)
			}
			b, err := os.ReadFile(marker)
			if ran := err == nil; ran != tt.rolledBack {
				t.Fatalf("rollback command ran: %v, want %v", ran, tt.rolledBack)
			}
			if tt.rolledBack && !strings.HasPrefix(string(b), "app:1.0 ") {
				t.Errorf("rollback command saw %q, want the old image and the reason", b)
			}
		})
	}
}

// Rolling back to the image under test changes nothing: verify checks that
// pass afterwards (a flaky answer, a subset of the checks) would verify the
// very version that fell short, so the rollback is not run and has failed.
func TestRunRollbackToTheImageUnderTestFails(t *testing.T) {
	for _, images := range [][2]string{{"app:1.0", "app:1.0"}, {"app", "docker.io/library/app:latest"}} {
		t.Run(images[0]+" and "+images[1], func(t *testing.T) {
			var answered atomic.Int32
			flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if answered.Add(1) <= 2 {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			defer flaky.Close()
			p, marker := existingPlan(t, flaky.URL, "hold", true)
			rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: images[0], OldImage: images[1]})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != report.RollbackFailed || !strings.Contains(rep.Summary, "is the image under test") {
				t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the rollback command ran")
			}
		})
	}
}

// In a replica, two tags of one local image are one image: verifying the
// "old" one would verify the version that fell short.
func TestRunReplicaRollbackToAnotherTagOfTheImageUnderTestFails(t *testing.T) {
	cli := needDocker(t)
	alias := "postflight-demo:alias-of-1.1.0-" + fmt.Sprint(time.Now().UnixNano())
	if _, err := cli.ImageTag(context.Background(), client.ImageTagOptions{Source: "postflight-demo:1.1.0", Target: alias}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), alias, client.ImageRemoveOptions{}) })
	p := loadPlan(t, demoPlan)
	p.Rollback.Verify = []string{"writer-healthy"} // passes on 1.1.0 too
	rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: "postflight-demo:1.1.0", OldImage: alias})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.RollbackFailed || !strings.Contains(rep.Summary, "is the image under test") {
		t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	if n := leftovers(t, cli, rep.RunID); len(n) > 0 {
		t.Errorf("left running: %v", n)
	}
}

func TestRunVersionThatDoesNotStartFails(t *testing.T) {
	cli := needDocker(t)
	start := time.Now()
	rep, err := harness.Run(context.Background(), loadPlan(t, "testdata/crash/postflight.yaml"), harness.Options{NewImage: "postflight-demo:1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Failed || rep.ExitCode != 1 {
		t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	if len(rep.Checks) != 2 || rep.Checks[0].Status != slo.Fail || !strings.Contains(rep.Checks[0].Reason, "service writer (image under test) did not become ready") {
		t.Fatalf("checks %+v, want the stack start failed on the service under test", rep.Checks)
	}
	if c := rep.Checks[1]; c.Name != "writer-healthy" || c.Status != slo.Inconclusive || !strings.Contains(c.Reason, "the stack did not come up") {
		t.Errorf("the plan's check: %+v, want it listed as not measured", c)
	}
	if !strings.Contains(rep.Checks[0].Observed, "exited with code 2; last output: demo: -role must be writer or reader") {
		t.Errorf("observed %q lacks the container's last output", rep.Checks[0].Observed)
	}
	t.Logf("failed after %s", time.Since(start).Round(time.Millisecond))
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// The regressions of the demo that function checks miss: one check fails,
// naming what and by how much, and the run rolls back.
func TestRunDemoRegressionsFunctionChecksMiss(t *testing.T) {
	cli := needDocker(t)
	tests := []struct {
		version, check, reasonHas string
	}{
		{"1.2.0", "kv-under-load", "propagation p50 "},                                             // the reader applies changes 3s late
		{"1.3.0", "kv-under-load", "p50 latency "},                                                 // reads take 300ms
		{"1.4.0", "packages", "pypi eventlet 0.20.0 -> 0.20.1: upgrade, not in the expected list"}, // an undeclared upgrade
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			rep, err := harness.Run(context.Background(), loadPlan(t, demoPlan), harness.Options{
				NewImage: "postflight-demo:" + tt.version, OldImage: "postflight-demo:1.0.0",
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != report.RolledBack {
				t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
			}
			for _, c := range rep.Checks {
				want := slo.Pass
				if c.Name == tt.check {
					want = slo.Fail
				}
				if c.Status != want {
					t.Errorf("check %s: %s (%s), want %s", c.Name, c.Status, c.Reason, want)
				}
				if c.Duration <= 0 {
					t.Errorf("check %s took no time: its duration is not recorded", c.Name)
				}
			}
			if !strings.Contains(rep.Verdict.Reason, tt.reasonHas) {
				t.Errorf("verdict %q does not say %q", rep.Verdict.Reason, tt.reasonHas)
			}
			if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestRunReportDirFromPlan(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer healthy.Close()
	absolute := filepath.Join(t.TempDir(), "reports")
	tests := []struct {
		name, dir string
		// where returns the directory the reports must be in, given the plan's.
		where func(planDir string) string
	}{
		{"absolute report dir is used as it is", absolute, func(string) string { return absolute }},
		{"relative report dir is relative to the plan", "reports", func(d string) string { return filepath.Join(d, "reports") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := existingPlan(t, healthy.URL, "hold", false)
			p.Report.Dir = tt.dir
			if _, err := harness.Run(context.Background(), p, harness.Options{OldImage: "app:1.0"}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(tt.where(p.Dir()), "postflight.json")); err != nil {
				t.Errorf("report not where the plan says: %v", err)
			}
		})
	}
}
