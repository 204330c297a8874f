package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/slo"
)

func TestHistoryShowsRunsAndAnObjectivesTrend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	store, err := history.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	for i := range 3 {
		var h history.Histogram
		h.AddN(time.Duration(20+i)*time.Millisecond, 100)
		err := store.Record(t.Context(), history.RunRecord{
			Plan: "nightly", RunID: fmt.Sprintf("night-%d", i), Started: start.Add(time.Duration(i) * 24 * time.Hour),
			Verdict: slo.Pass, Outcome: "passed",
			Objectives: []history.Objective{{Check: "load", Name: "p95 latency", Observed: float64(30 + i), Budget: 200,
				Unit: "ms", Bound: slo.AtMost, Status: slo.Pass, Distribution: "latency"}},
			Distributions: []history.Distribution{{Check: "load", Name: "latency", Histogram: &h}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	r := runBin(t, "history", "--history", path)
	if r.code != 0 || !strings.Contains(r.stdout, "night-2  nightly  pass") || strings.Index(r.stdout, "night-2") > strings.Index(r.stdout, "night-0") {
		t.Errorf("history: exit %d, want the runs newest first:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, "history", "--history", path, "--plan", "nightly", "--check", "load", "--json")
	var trends []history.Trend
	if err := json.Unmarshal([]byte(r.stdout), &trends); err != nil || r.code != 0 {
		t.Fatalf("history --check --json: exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(trends) != 1 || len(trends[0].Runs) != 3 || trends[0].Runs[0].Observed != 32 || trends[0].Runs[0].Unit != "ms" {
		t.Errorf("trend of load: %+v, want p95 latency over 3 runs, 32 ms newest", trends)
	}
	r = runBin(t, "history", "--history", path, "--check", "load")
	if r.code != 2 || !strings.Contains(r.stderr, "--check needs a plan") {
		t.Errorf("--check without a plan: exit %d, %s", r.code, r.stderr)
	}
}
