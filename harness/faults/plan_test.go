package faults_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// existingPlan writes and loads a plan for an existing stack of one
// service, web at url, with the given checks (YAML list items) and no
// rollback: its outcomes are passed (0), failed (1) and inconclusive (4).
func existingPlan(t *testing.T, url, checks string) *plan.Plan {
	t.Helper()
	// Every check of a case is measured: the matrix says what each makes of its fault.
	src := fmt.Sprintf("version: 1\nname: faults\nstack:\n  existing:\n    services:\n      web: {url: %q}\npolicy: {fail_fast: false}\nchecks:\n%s", url, checks)
	return writePlan(t, t.TempDir(), src)
}

// writePlan writes src as dir/postflight.yaml and loads it as run does.
func writePlan(t *testing.T, dir, src string) *plan.Plan {
	t.Helper()
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatalf("plan:\n%s\n%v", src, err)
	}
	return p
}

// run runs the plan through the library entry point, as `postflight run`
// does, and logs what it said.
func run(t *testing.T, p *plan.Plan, opts harness.Options) *report.Report {
	t.Helper()
	start := time.Now()
	rep, err := harness.Run(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("%s (exit %d) in %s", rep.Outcome, rep.ExitCode, time.Since(start).Round(time.Millisecond))
	for _, c := range rep.Checks {
		t.Logf("  %-12s %s: %s\n    observed: %s", c.Status, c.Name, c.Reason, c.Observed)
	}
	return rep
}

// want is what postflight must say of one check and of the run.
type want struct {
	status  slo.Status
	outcome report.Outcome
	// causes: the check's reason or observation names at least one of
	// them (case-insensitive). Wording is free; naming the cause is not.
	causes []string
}

// assert holds the report to w for the named check.
func (w want) assert(t *testing.T, rep *report.Report, name string) {
	t.Helper()
	res, ok := find(rep.Checks, name)
	if !ok {
		t.Fatalf("no result for check %s in %+v", name, rep.Checks)
	}
	// `go test -v` shows what postflight said of every fault: docs/faults.md quotes it.
	t.Logf("%s: %s (run %s, exit %d): %s", name, res.Status, rep.Outcome, rep.ExitCode, res.Reason)
	if res.Status != w.status {
		t.Errorf("check %s is %s, want %s: %s (observed %s)", name, res.Status, w.status, res.Reason, res.Observed)
	}
	if rep.Outcome != w.outcome || rep.ExitCode != w.outcome.ExitCode() {
		t.Errorf("run %s (exit %d), want %s (exit %d): %s", rep.Outcome, rep.ExitCode, w.outcome, w.outcome.ExitCode(), rep.Summary)
	}
	if len(w.causes) == 0 {
		return
	}
	msg := strings.ToLower(res.Reason + " " + res.Observed)
	for _, c := range w.causes {
		if strings.Contains(msg, strings.ToLower(c)) {
			return
		}
	}
	t.Errorf("check %s names none of %q:\n  reason:   %s\n  observed: %s", name, w.causes, res.Reason, res.Observed)
}

func find(results []result.Result, name string) (result.Result, bool) {
	for _, r := range results {
		if r.Name == name {
			return r, true
		}
	}
	return result.Result{}, false
}
