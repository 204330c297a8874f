package ginkgosuite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/internal/proctest"
	"github.com/postflight/postflight/suites"
)

// lineOf is file:line of the first line of testdata/suite/file holding
// marker, as a spec's Location names it.
func lineOf(t *testing.T, suite, file, marker string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", suite, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), marker) {
			return fmt.Sprintf("%s:%d", file, n)
		}
	}
	t.Fatalf("%s: no line with %q", file, marker)
	return ""
}

func specNamed(t *testing.T, out *ginkgosuite.Outcome, text string) ginkgosuite.Spec {
	t.Helper()
	for _, sp := range out.Specs {
		if sp.Text == text {
			return sp
		}
	}
	t.Fatalf("no spec %q in %+v", text, out.Specs)
	return ginkgosuite.Spec{}
}

// cause is the Cause of an *Error, failing the test for any other error.
func cause(t *testing.T, err error) ginkgosuite.Cause {
	t.Helper()
	var e *ginkgosuite.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *ginkgosuite.Error", err, err)
	}
	return e.Cause
}

func TestPassingSuiteReportsEverySpecWithTheEnvironmentItWasGiven(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/passing"}, map[string]string{"GREETING": "hello"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	if out.Description != "passing" || len(out.Specs) != 2 {
		t.Fatalf("outcome %+v", out)
	}
	adds := specNamed(t, out, "arithmetic adds")
	if adds.Status != ginkgosuite.Passed || adds.State != "passed" || !slices.Equal(adds.Labels, []string{"fast", "math"}) ||
		adds.Location != lineOf(t, "passing", "passing_test.go", `It("adds"`) || adds.Message != "" {
		t.Errorf("spec %+v", adds)
	}
	if env := specNamed(t, out, "the environment carries the greeting"); env.Status != ginkgosuite.Passed {
		t.Errorf("spec %+v", env)
	}
	if out.Duration <= 0 {
		t.Errorf("duration %s", out.Duration)
	}
}

func TestSpecFailsWithoutTheEnvironment(t *testing.T) {
	t.Setenv("GREETING", "")
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/passing"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	env := specNamed(t, out, "the environment carries the greeting")
	if env.Status != ginkgosuite.Failed || !strings.Contains(env.Message, `<string>: hello`) {
		t.Errorf("spec %+v", env)
	}
}

func TestSpecsOfEveryOutcome(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/mixed"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	for _, tc := range []struct {
		text     string
		status   ginkgosuite.Status
		state    string
		message  string
		location string
	}{
		{"the store passes", ginkgosuite.Passed, "passed", "", lineOf(t, "mixed", "mixed_test.go", `It("passes"`)},
		{"the store fails", ginkgosuite.Failed, "failed", "the answer\nExpected\n    <int>: 41\nto equal\n    <int>: 42",
			lineOf(t, "mixed", "mixed_test.go", "failure here")},
		{"the store panics", ginkgosuite.Inconclusive, "panicked", "panic: assignment to entry in nil map",
			lineOf(t, "mixed", "mixed_test.go", "panic here")},
		{"the store skips itself", ginkgosuite.Skipped, "skipped", "nothing to do here", lineOf(t, "mixed", "mixed_test.go", `Skip("nothing`)},
		{"the store is pending", ginkgosuite.Skipped, "pending", "", lineOf(t, "mixed", "mixed_test.go", `PIt(`)},
	} {
		sp := specNamed(t, out, tc.text)
		if sp.Status != tc.status || sp.State != tc.state || !strings.HasPrefix(sp.Message, tc.message) || sp.Location != tc.location {
			t.Errorf("%s:\n got %+v\nwant status %s, state %s, message %q..., at %s", tc.text, sp, tc.status, tc.state, tc.message, tc.location)
		}
	}
	if len(out.Specs) != 5 {
		t.Errorf("%d specs, want 5: %+v", len(out.Specs), out.Specs)
	}
}

func TestLabelFilterSelectsSpecs(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/mixed", LabelFilter: "bad"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	for _, sp := range out.Specs {
		want := ginkgosuite.Skipped
		if sp.Text == "the store fails" {
			want = ginkgosuite.Failed
		}
		if sp.Status != want {
			t.Errorf("%s: %s, want %s", sp.Text, sp.Status, want)
		}
	}
}

func TestLabelFilterMatchingNoneCouldNotMeasure(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/passing", LabelFilter: "nosuch"}, map[string]string{"GREETING": "hello"})
	if c := cause(t, err); c != ginkgosuite.CauseNoSpecs || !strings.Contains(err.Error(), `label filter "nosuch" matched none of its 2 specs`) {
		t.Fatalf("%s: %v", c, err)
	}
	for _, sp := range out.Specs {
		if sp.Status != ginkgosuite.Skipped {
			t.Errorf("%s: %s, want skipped", sp.Text, sp.Status)
		}
	}
}

func TestSuiteThatDoesNotBuildSaysWhy(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/broken"}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseBuild {
		t.Fatalf("cause %s: %v", c, err)
	}
	if !strings.Contains(err.Error(), "undefined: undefinedThing") || !strings.Contains(out.Output, "broken_test.go:17") {
		t.Errorf("error %v\noutput %s", err, out.Output)
	}
}

func TestFailedSetupCouldNotMeasure(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/setup"}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseSetup || !strings.Contains(err.Error(), "the stack is not there") {
		t.Fatalf("cause %s: %v", c, err)
	}
	setup := specNamed(t, out, "[BeforeSuite]")
	if setup.Status != ginkgosuite.Inconclusive || setup.Location != lineOf(t, "setup", "setup_test.go", "setup fails here") {
		t.Errorf("setup %+v", setup)
	}
	if len(out.Specs) != 1 {
		t.Errorf("specs %+v, want the setup only", out.Specs)
	}
}

func TestBinaryThatIsNotThereCouldNotMeasure(t *testing.T) {
	_, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Binary: filepath.Join(t.TempDir(), "none.test")}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseCrashed || !strings.Contains(err.Error(), "could not start it") {
		t.Fatalf("cause %s: %v", c, err)
	}
}

func TestNeitherPackageNorBinaryIsAnError(t *testing.T) {
	for _, s := range []ginkgosuite.Suite{{}, {Package: "testdata/passing", Binary: "x.test"}} {
		if out, err := ginkgosuite.Run(context.Background(), s, nil); err == nil || out == nil {
			t.Errorf("Run(%+v) = %v, %v", s, out, err)
		}
	}
}

// binDir holds the test binaries the tests build.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ginkgosuite-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var processBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "process.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, ".")
	cmd.Dir = filepath.Join("testdata", "process")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build testdata/process: %v\n%s", err, b)
	}
	return bin, nil
})

// runProcess runs testdata/process (built once) with env, and checks that
// no process it started is left.
func runProcess(t *testing.T, ctx context.Context, s ginkgosuite.Suite, env map[string]string) (*ginkgosuite.Outcome, error) {
	t.Helper()
	bin, err := processBinary()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pids")
	env["PROCESS_PIDS"] = pidFile
	s.Binary = bin
	out, err := ginkgosuite.Run(ctx, s, env)
	if b, rerr := os.ReadFile(pidFile); rerr == nil {
		var suite, child int
		if _, serr := fmt.Sscan(string(b), &suite, &child); serr != nil {
			t.Fatalf("pid file %q: %v", b, serr)
		}
		for _, pid := range []int{suite, child} {
			if proctest.Alive(pid) {
				t.Errorf("process %d is left after Run", pid)
			}
		}
	} else if env["PROCESS_EXIT"] == "" {
		t.Fatalf("the suite wrote no pids: %v\n%s", rerr, out.Output)
	}
	return out, err
}

func TestSuitePastItsTimeoutIsStoppedAndCouldNotMeasure(t *testing.T) {
	start := time.Now()
	out, err := runProcess(t, context.Background(), ginkgosuite.Suite{Timeout: time.Second, GracePeriod: 500 * time.Millisecond}, map[string]string{})
	took := time.Since(start)
	if c := cause(t, err); c != ginkgosuite.CauseTimedOut {
		t.Fatalf("cause %s: %v\n%s", c, err, out.Output)
	}
	sp := specNamed(t, out, "sleeps past the timeout")
	if sp.Status != ginkgosuite.Inconclusive {
		t.Errorf("spec %+v", sp)
	}
	if took > 10*time.Second {
		t.Errorf("a suite with a 1s timeout took %s to stop", took)
	}
	t.Logf("stopped after %s (the suite ran %s): %v", took, out.Duration, err)
}

func TestSuiteHangingBeforeGinkgoIsKilled(t *testing.T) {
	start := time.Now()
	out, err := runProcess(t, context.Background(), ginkgosuite.Suite{Timeout: time.Second, GracePeriod: 500 * time.Millisecond}, map[string]string{"PROCESS_HANG": "1"})
	took := time.Since(start)
	if c := cause(t, err); c != ginkgosuite.CauseTimedOut || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("cause %s: %v\n%s", c, err, out.Output)
	}
	if took > 10*time.Second {
		t.Errorf("a suite with a 1s timeout took %s to kill", took)
	}
	t.Logf("killed after %s: %v", took, err)
}

func TestCancelledRunInterruptsTheSuite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	out, err := runProcess(t, ctx, ginkgosuite.Suite{GracePeriod: 500 * time.Millisecond}, map[string]string{})
	if c := cause(t, err); c != ginkgosuite.CauseInterrupted {
		t.Fatalf("cause %s: %v\n%s", c, err, out.Output)
	}
	// Ginkgo, told to stop, still reports the spec it stopped.
	if sp := specNamed(t, out, "sleeps past the timeout"); sp.Status != ginkgosuite.Inconclusive {
		t.Errorf("spec %+v", sp)
	}
}

func TestSuiteEndingWithoutAReportCouldNotMeasure(t *testing.T) {
	out, err := runProcess(t, context.Background(), ginkgosuite.Suite{}, map[string]string{"PROCESS_EXIT": "1"})
	if c := cause(t, err); c != ginkgosuite.CauseCrashed || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.Contains(err.Error(), "giving up before the specs") {
		t.Fatalf("cause %s: %v", c, err)
	}
	if len(out.Specs) != 0 {
		t.Errorf("specs from a suite that wrote no report: %+v", out.Specs)
	}
}

// The demo's suite skips itself without a stack, so that a plain go test
// passes; run by postflight without the URLs it needs, that is no pass.
func TestSuiteSkippingItselfCouldNotMeasure(t *testing.T) {
	t.Setenv(suites.URLEnvName("writer", 0), "")
	t.Setenv(suites.EnvRunID, "")
	_, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "../../fixtures/demo/e2e"}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseNoSpecs || !strings.Contains(err.Error(), "its BeforeSuite skipped all of its 5 specs: no stack to test") {
		t.Fatalf("cause %s: %v", c, err)
	}
}

// Under postflight, a suite missing the URL it needs fails its setup: it
// could not measure.
func TestDemoSuiteWithoutItsURLUnderPostflightCouldNotMeasure(t *testing.T) {
	t.Setenv(suites.URLEnvName("writer", 0), "")
	_, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "../../fixtures/demo/e2e"}, map[string]string{suites.EnvRunID: "r1"})
	if c := cause(t, err); c != ginkgosuite.CauseSetup || !strings.Contains(err.Error(), "POSTFLIGHT_URL_WRITER") {
		t.Fatalf("cause %s: %v", c, err)
	}
}

func TestDryRunCouldNotMeasure(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/dryrun"}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseNoSpecs || !strings.Contains(err.Error(), "dry run") {
		t.Fatalf("cause %s: %v", c, err)
	}
	for _, sp := range out.Specs {
		if sp.Status == ginkgosuite.Passed {
			t.Errorf("spec %+v passed in a dry run", sp)
		}
	}
}

func TestFailedPlainTestBesideTheSuiteCouldNotMeasure(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/plaintest"}, nil)
	if c := cause(t, err); c != ginkgosuite.CauseExited || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("cause %s: %v", c, err)
	}
	if !strings.Contains(out.Output, "the service answered 500") {
		t.Errorf("output %s", out.Output)
	}
}

func TestSpecsTheLabelFilterLeavesOutAreNotPartOfTheOutcome(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/passing", LabelFilter: "math"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	if len(out.Specs) != 1 || out.Specs[0].Text != "arithmetic adds" || out.Specs[0].Status != ginkgosuite.Passed {
		t.Errorf("specs %+v, want arithmetic adds alone, passed", out.Specs)
	}
}

func TestLabelFilterMatchesTheSuitesOwnLabels(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/suitelabel", LabelFilter: "smoke"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	if len(out.Specs) != 1 || out.Specs[0].Status != ginkgosuite.Passed {
		t.Errorf("specs %+v, want answers, passed", out.Specs)
	}
}

func TestFocusedSpecLeftInTheSuiteIsJudged(t *testing.T) {
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/focus"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	if len(out.Specs) != 1 || out.Specs[0].Status != ginkgosuite.Passed {
		t.Errorf("specs %+v, want answers, passed", out.Specs)
	}
}

// A URL in postflight's own environment (a CI job's, another run's) is
// never passed on as one of the stack under test.
func TestSuiteGetsNoURLItWasNotGiven(t *testing.T) {
	t.Setenv("POSTFLIGHT_URL_PRODUCTION", "http://production.example")
	t.Setenv("POSTFLIGHT_PHASE", "verify")
	out, err := ginkgosuite.Run(context.Background(), ginkgosuite.Suite{Package: "testdata/inherit"}, map[string]string{"POSTFLIGHT_URL_GIVEN": "http://stack"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.Output)
	}
	if sp := specNamed(t, out, "has the URL it was given and no other"); sp.Status != ginkgosuite.Passed {
		t.Errorf("spec %+v", sp)
	}
}
