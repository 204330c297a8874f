package harness_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/report"
)

// A run is a list of named steps, each recorded in the report with its
// start, duration and outcome, in the order they ran.
func TestRunRecordsEachStep(t *testing.T) {
	path := writeToyPlan(t, "  - {name: health, kind: http, service: web}\n")
	dir := t.TempDir()
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{ReportDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Passed {
		t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
	}
	var names []string
	for i, s := range rep.Steps {
		names = append(names, s.Name)
		if s.Started.Before(rep.Started) || s.Duration < 0 || s.Outcome == "" {
			t.Errorf("step %s: started %s, took %s, outcome %q", s.Name, s.Started, s.Duration, s.Outcome)
		}
		if i > 0 && s.Started.Before(rep.Steps[i-1].Started) {
			t.Errorf("step %s started before %s", s.Name, rep.Steps[i-1].Name)
		}
	}
	if got, want := strings.Join(names, ", "), "preflight, pin images, checks, regression, verdict, rollback, stack down, outcome, history, reports"; got != want {
		t.Fatalf("steps %s, want %s", got, want)
	}
	if rb := rep.Steps[5]; !strings.HasPrefix(rb.Outcome, "skipped: the verdict is pass") {
		t.Errorf("rollback step of a passing run: %q", rb.Outcome)
	}
	if out := rep.Steps[7].Outcome; out != "passed, exit 0" {
		t.Errorf("outcome step: %q", out)
	}

	// The JSON report carries them, but for the writing of itself.
	b, err := os.ReadFile(filepath.Join(dir, "postflight.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON report.Report
	if err := json.Unmarshal(b, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if len(fromJSON.Steps) != len(rep.Steps)-1 || fromJSON.Steps[2].Name != "checks" || fromJSON.Steps[3].Outcome != "skipped: the plan has no policy.regression" {
		t.Errorf("postflight.json steps: %+v", fromJSON.Steps)
	}
}

// Every run is kept in the history: its objectives, and a load check's
// latencies as a distribution, read back as a comparable run.
func TestRunIsKeptInTheHistory(t *testing.T) {
	path := writeToyPlan(t, "  - name: under-load\n    kind: load\n    service: web\n    load: {rate: 50/s, duration: 1s, targets: [{path: /}]}\n    budgets: {latency: {p50: 500ms}, error_rate: 5%}\n")
	db := filepath.Join(t.TempDir(), "state", "history.db") // a directory not made yet
	var ids []string
	for range 2 {
		rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{History: db})
		if err != nil || rep.Outcome != report.Passed {
			t.Fatalf("run: %v %+v", err, rep)
		}
		if s := rep.Steps[len(rep.Steps)-2]; s.Name != "history" || s.Outcome != "recorded in "+db {
			t.Fatalf("history step: %+v", s)
		}
		ids = append(ids, rep.RunID)
	}
	store, err := history.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	past, err := store.Comparable(context.Background(), history.Query{Plan: "postflight.yaml", Check: "under-load", Objective: "p50 latency"})
	if err != nil {
		t.Fatal(err)
	}
	if len(past) != 2 || past[0].RunID != ids[1] || past[0].Distribution == nil || past[0].Distribution.Count() < 40 {
		t.Fatalf("history: %+v", past)
	}
}

// A step that finds the invocation cannot run stops the list before
// anything starts.
func TestAStepRefusingTheInvocationStopsTheRun(t *testing.T) {
	path := writeToyPlan(t, "  - {name: health, kind: http, service: web}\n")
	_, err := harness.CheckImages(context.Background(), loadPlan(t, path), harness.Options{})
	if err == nil || !strings.Contains(err.Error(), path+": the plan has no provenance, integrity or hygiene check") {
		t.Fatalf("err %v", err)
	}
}
