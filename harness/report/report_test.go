package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

func sample() *Report {
	lat := make([]time.Duration, 200)
	for i := range lat {
		lat[i] = time.Duration(200+i) * time.Millisecond
	}
	load := result.Result{Name: "under-load", Kind: "load", Status: slo.Fail, Target: "GET http://x/ at 50/s for 4s",
		Expected: "p95 latency <= 250ms, error rate <= 1%", Observed: "200 requests in 4s (50.0/s), 200 ok, 0 failed", Attempts: 1}
	load = load.Evaluate([]slo.Objective{slo.LatencyObjective(slo.P95, slo.Latency(250*time.Millisecond)), slo.ErrorRateObjective(0.01)},
		slo.Measurements{Latencies: lat, Requests: 200, Rate: 50})
	checks := []result.Result{
		{Name: "health", Kind: "http", Status: slo.Pass, Target: "GET http://x/healthz", Expected: "status 200", Observed: "status 200, body ok", Attempts: 1},
		{Name: "orders", Kind: "http", Status: slo.Fail, Expected: "status 200", Observed: "status 500, body a|b", Reason: "status 500, want 200"},
		{Name: "search", Kind: "http", Status: slo.Inconclusive, Expected: "status 200", Observed: "no answer", Reason: "could not measure: connection refused"},
		load,
	}
	verdict := slo.Decide(result.Outcomes(checks))
	return &Report{
		RunID: "abcd1234", Name: "shop", Plan: "postflight.yaml", Stack: "replica", NewImage: "shop:2", OldImage: "shop:1",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Checks:  checks,
		Verdict: verdict,
		Rollback: &Rollback{Reason: verdict.Reason, Configured: true,
			Outcome: &change.Outcome{Driver: "command", Action: "./rollback.sh", ExitCode: 0, Output: "line1\nline2\n",
				Steps: []change.Result{{Step: change.Step{Action: change.ActionRun, Object: "./rollback.sh"}, Note: "exit status 0"}}},
			Verify: []result.Result{{Name: "health", Kind: "http", Status: slo.Pass, Observed: "status 200"}}},
		Outcome: RolledBack, ExitCode: 3, Headline: "ROLLED BACK and verified", Summary: "ROLLED BACK and verified: " + verdict.Reason,
	}
}

func TestExitCodesAreDistinct(t *testing.T) {
	seen := map[int]Outcome{}
	for _, o := range []Outcome{Passed, Failed, PlanError, RolledBack, Inconclusive, RollbackFailed, Interrupted} {
		if prev, dup := seen[o.ExitCode()]; dup {
			t.Errorf("%s and %s share exit code %d", o, prev, o.ExitCode())
		}
		seen[o.ExitCode()] = o
	}
	if Passed.ExitCode() != 0 {
		t.Error("passed must exit 0")
	}
}

func TestConsoleShowsOneLinePerCheckAndDetailsForWhatDidNotPass(t *testing.T) {
	var b bytes.Buffer
	if err := WriteConsole(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"  PASS         health      status 200, body ok (0s)\n",
		"  FAIL         orders      status 500, want 200\n                           expected status 200\n                           observed status 500, body a|b (0s)\n",
		"  INCONCLUSIVE search      could not measure: connection refused\n                           expected status 200\n",
		"  FAIL         under-load  p95 latency 389ms exceeds budget 250ms by 139ms (56%)\n                           GET http://x/ at 50/s for 4s\n",
		"verdict: FAIL: 2 of 4 checks failed: orders, under-load; 1 inconclusive: search\n",
		"\nrollback\n  command: ./rollback.sh, exit 0; 0s in all\n    | line1\n    | line2\n",
		"\nROLLED BACK and verified (exit 3) in 1.5s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PASS         error rate") || strings.Contains(out, "within budget 1%") {
		t.Errorf("the objective that passed is shown under a failed check:\n%s", out)
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Error("console output has control characters")
	}
}

// Every reason is written once: beside its check, not again in the
// verdict, the rollback or the last line.
func TestEachReasonIsWrittenOnce(t *testing.T) {
	r := sample()
	reasons := []string{"status 500, want 200", "could not measure: connection refused", "p95 latency 389ms exceeds budget 250ms by 139ms (56%)"}
	for _, w := range []struct {
		name  string
		write func(io.Writer, *Report) error
	}{{"console", WriteConsole}, {"markdown", WriteMarkdown}} {
		var b bytes.Buffer
		if err := w.write(&b, r); err != nil {
			t.Fatal(err)
		}
		for _, reason := range reasons {
			if n := strings.Count(b.String(), reason); n != 1 {
				t.Errorf("%s writes %q %d times, want once:\n%s", w.name, reason, n, b.String())
			}
		}
	}
}

func TestJUnitMarksFailuresAndInconclusiveApart(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, b.String())
	}
	// Four checks, one verify check, and the outcome (rolled back: no problem).
	if doc.Tests != 6 || doc.Failures != 2 || doc.Errors != 1 || len(doc.Suites) != 3 {
		t.Fatalf("tests %d failures %d errors %d suites %d", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	cases := doc.Suites[0].Cases
	if cases[0].Failure != nil || cases[0].Error != nil {
		t.Error("a passing check has a failure or error")
	}
	if cases[1].Failure == nil || cases[1].Failure.Message != "status 500, want 200" {
		t.Errorf("failed check: %+v", cases[1].Failure)
	}
	if cases[2].Error == nil || cases[2].Error.Type != "inconclusive" || cases[2].Failure != nil {
		t.Errorf("inconclusive check must be an error, not a failure or a pass: %+v", cases[2])
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"## postflight shop: rolled-back", "**ROLLED BACK and verified** — FAIL: 2 of 4 checks failed: orders, under-load; 1 inconclusive: search",
		"| ❌ fail | orders | status 500, want 200 |", "- **orders**\n  - expected status 200\n  - observed status 500, body a\\|b (0s)\n",
		"| ⚠️ inconclusive | search | could not measure: connection refused |", "#### Verify: PASS: all 1 checks passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// A CI system reads the JUnit file, not the exit code: it is red whenever
// the run did not pass or roll back — also when every check passed and the
// run was interrupted, or a rollback by hand (no checks) failed.
func TestJUnitIsRedWhenTheOutcomeIs(t *testing.T) {
	passed := []result.Result{{Name: "health", Kind: "http", Status: slo.Pass}}
	tests := []struct {
		name    string
		rep     Report
		problem string // "" none, else the type of the outcome's problem
	}{
		{"passed", Report{Checks: passed, Outcome: Passed, Summary: "PASSED"}, ""},
		{"interrupted after every check passed", Report{Checks: passed, Outcome: Interrupted, Summary: "interrupted: all 1 checks passed"}, "interrupted"},
		{"rollback by hand failed", Report{Outcome: RollbackFailed, Summary: "ROLLBACK FAILED: exit 1",
			Rollback: &Rollback{Configured: true, Error: "exit 1"}}, "rollback-failed"},
		{"rollback held by another run", Report{Outcome: Inconclusive, Summary: "INCONCLUSIVE, not rolled back: locked",
			Rollback: &Rollback{Configured: true, Locked: true, Error: "locked"}}, "inconclusive"},
		{"rolled back by hand and verified", Report{Outcome: RolledBack, Summary: "ROLLED BACK and verified",
			Rollback: &Rollback{Configured: true, Verify: passed}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJUnit(&b, &tt.rep); err != nil {
				t.Fatal(err)
			}
			var doc junitSuites
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			red := doc.Failures + doc.Errors
			switch {
			case tt.problem == "" && red != 0:
				t.Errorf("%d failures, %d errors for outcome %s:\n%s", doc.Failures, doc.Errors, tt.rep.Outcome, b.String())
			case tt.problem != "" && red == 0:
				t.Errorf("no failure or error for outcome %s:\n%s", tt.rep.Outcome, b.String())
			case tt.problem != "" && !strings.Contains(b.String(), `type="`+tt.problem+`"`):
				t.Errorf("no problem of type %s:\n%s", tt.problem, b.String())
			}
		})
	}
}

// A rollback command's output is quoted in summary.md as it came: a line of
// its own that closes the code fence must not turn the rest into Markdown
// (a heading that says passed).
func TestMarkdownKeepsRollbackOutputInsideItsFence(t *testing.T) {
	r := sample()
	r.Rollback.Outcome.Output = "rolling back\n~~~~\n## postflight shop: passed\n"
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	inFence, fence := false, ""
	for _, line := range strings.Split(b.String(), "\n") {
		switch {
		case !inFence && strings.HasPrefix(line, "~~~"):
			inFence, fence = true, line
		case inFence && strings.HasPrefix(line, "~") && strings.Trim(line, "~") == "" && len(line) >= len(fence):
			inFence = false
		case !inFence && strings.HasPrefix(line, "## postflight shop: passed"):
			t.Errorf("the command's output made a heading:\n%s", b.String())
		}
	}
}

// The plan's name is the plan author's: in the heading it is text, not
// Markdown or HTML that hides the outcome after it.
func TestMarkdownHeadingShowsTheOutcomeWhateverTheName(t *testing.T) {
	r := sample()
	r.Name = "shop: passed <!--"
	r.Outcome = Failed
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	heading, _, _ := strings.Cut(b.String(), "\n")
	if heading != "## postflight shop: passed &lt;!--: failed" {
		t.Errorf("heading %q", heading)
	}
}

func withHistory() *Report {
	r := sample()
	p := 0.002
	r.Regression = &Regression{History: "state/history.db", Rule: history.DefaultRule, OnRegression: "warn",
		Comparisons: []history.Comparison{
			{Check: "under-load", Objective: "p95 latency", Outcome: history.Regression, Observed: 41, Baseline: 33, Unit: "ms", Change: 0.24, P: &p, Runs: 7,
				Reason: "p95 latency 41.0 ms vs 33.0 ms median of the last 7 runs, +24%, p = 0.002"},
			{Check: "under-load", Objective: "error rate", Outcome: history.Steady, Runs: 7, Reason: "error rate 0 % vs 0 % median of the last 7 runs, unchanged"},
			{Check: "under-load", Objective: "throughput", Outcome: history.NoBaseline, Runs: 2, Reason: "throughput: no baseline, 2 of 7 earlier runs"},
		}}
	return r
}

// The comparison with history is in the console and the Markdown: each
// regression and missing baseline on a line of its own with its reason,
// written once, and the steady ones counted.
func TestHistoryIsShownWithEachRegressionAndNoBaseline(t *testing.T) {
	r := withHistory()
	var console, md bytes.Buffer
	if err := WriteConsole(&console, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "console", console.String(),
		"  history: state/history.db (the last 7 runs that passed, beyond 10% at p < 0.01; a regression warns)\n",
		"  REGRESSION   under-load p95 latency 41.0 ms vs 33.0 ms median of the last 7 runs, +24%, p = 0.002\n",
		"  NO BASELINE  under-load throughput: no baseline, 2 of 7 earlier runs\n",
		"  STEADY       1 of 3 objectives within the rule\n")
	wantAll(t, "markdown", md.String(),
		"### Against history\n\nThe last 7 runs that passed, beyond 10% at p &lt; 0.01; a regression warns, in `state/history.db`.",
		"| 🔺 regression | under-load | p95 latency 41.0 ms vs 33.0 ms median of the last 7 runs, +24%, p = 0.002 |",
		"| ❔ no baseline | under-load | throughput: no baseline, 2 of 7 earlier runs |",
		"| ➖ steady | under-load | error rate 0 % vs 0 % median of the last 7 runs, unchanged |")
	for _, out := range []string{console.String(), md.String()} {
		if n := strings.Count(out, "+24%, p = 0.002"); n != 1 {
			t.Errorf("the regression's reason written %d times, want once:\n%s", n, out)
		}
	}

	// Under on_regression: fail the verdict names the objective, once more
	// by name only.
	r.Regression.OnRegression = "fail"
	var failing bytes.Buffer
	if err := WriteConsole(&failing, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failing.String(), "; 1 of 3 objectives regressed against history: under-load p95 latency\n") {
		t.Errorf("verdict without the regression:\n%s", failing.String())
	}
}

// wantAll fails unless out, what name wrote, holds every one of wants.
func wantAll(t *testing.T, name, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, out)
		}
	}
}

// In the JUnit file, a regression that fails the run is a failure of its
// own; one that warns is no failure; no baseline is skipped, never passed.
func TestJUnitHoldsTheComparisonWithHistory(t *testing.T) {
	r := withHistory()
	for _, tt := range []struct {
		on       string
		failures int
	}{{"warn", 0}, {"fail", 1}} {
		r.Regression.OnRegression = tt.on
		var b bytes.Buffer
		if err := WriteJUnit(&b, r); err != nil {
			t.Fatal(err)
		}
		var doc junitSuites
		if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		h := doc.Suites[len(doc.Suites)-2]
		if h.Name != "postflight.history" || h.Tests != 3 || h.Failures != tt.failures || h.Cases[2].Skipped == nil ||
			h.Cases[2].Skipped.Type != "no baseline" || h.Cases[1].Skipped != nil || h.Cases[1].Failure != nil {
			t.Errorf("on_regression %s: history suite %+v", tt.on, h)
		}
	}
}

// A passing check's line shows what it observed, cut short: a long body
// is in the JSON report.
func TestAPassingCheckKeepsToOneShortLine(t *testing.T) {
	c := result.Result{Name: "catalogue", Status: slo.Pass, Observed: "status 200, body " + strings.Repeat("x", 5000), Attempts: 1}
	h := Headline(c)
	if len(h) > 250 || !strings.HasPrefix(h, "status 200, body xxx") || !strings.Contains(h, "more bytes not shown") || len(Details(c)) != 0 {
		t.Errorf("headline of %d bytes: %q; details %q", len(h), h, Details(c))
	}
}
