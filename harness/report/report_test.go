package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

func sample() *Report {
	return &Report{
		RunID: "abcd1234", Name: "shop", Plan: "postflight.yaml", Stack: "replica", NewImage: "shop:2", OldImage: "shop:1",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Checks: []result.Result{
			{Name: "health", Kind: "http", Status: slo.Pass, Target: "GET http://x/healthz", Expected: "status 200", Observed: "status 200, body ok", Attempts: 1},
			{Name: "orders", Kind: "http", Status: slo.Fail, Expected: "status 200", Observed: "status 500, body a|b", Reason: "status 500, want 200"},
			{Name: "search", Kind: "http", Status: slo.Inconclusive, Expected: "status 200", Observed: "no answer", Reason: "could not measure: connection refused"},
		},
		Verdict: slo.Verdict{Status: slo.Fail, Reason: "1 of 3 checks failed: orders"},
		Rollback: &Rollback{Reason: "1 of 3 checks failed: orders", Configured: true,
			Outcome: &change.Outcome{Driver: "command", Action: "run ./rollback.sh", Output: "line1\nline2\n"},
			Verify:  []result.Result{{Name: "health", Kind: "http", Status: slo.Pass}}},
		Outcome: RolledBack, ExitCode: 3, Summary: "ROLLED BACK and verified",
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

func TestConsoleShowsExpectedObservedAndReason(t *testing.T) {
	var b bytes.Buffer
	if err := WriteConsole(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"PASS         health", "FAIL         orders", "INCONCLUSIVE search",
		"observed status 500, body a|b", "reason   could not measure: connection refused",
		"verdict: FAIL: 1 of 3 checks failed: orders", "| line2", "ROLLED BACK and verified (exit 3)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Error("console output has control characters")
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
	// Three checks, one verify check, and the outcome (rolled back: no problem).
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 3 {
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
	for _, want := range []string{"## postflight shop: rolled-back", `status 500, body a\|b`, "⚠️ inconclusive", "#### Verify"} {
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
