package history

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

func TestListAndTrendsShowRunsNewestFirst(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	var h Histogram
	h.AddN(20*time.Millisecond, 90)
	h.AddN(40*time.Millisecond, 10)
	for i := range 3 {
		r := night(i, float64(30+i), &h)
		if i == 2 {
			r.Verdict, r.Outcome = slo.Fail, "rolled back"
			r.Objectives[0].Status = slo.Fail
		}
		if err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	other := night(9, 1, &h)
	other.Plan = "other"
	if err := s.Record(ctx, other); err != nil {
		t.Fatal(err)
	}

	runs, err := s.List(ctx, "nightly", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].RunID != "run-002" || runs[0].Verdict != slo.Fail || runs[0].Failed != 1 || runs[0].Objectives != 2 || runs[1].RunID != "run-001" {
		t.Errorf("last 2 runs of nightly: %+v", runs)
	}
	if all, _ := s.List(ctx, "", 0); len(all) != 4 {
		t.Errorf("runs of every plan: %d, want 4", len(all))
	}
	var table bytes.Buffer
	if err := WriteRuns(&table, runs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "2026-11-03 02:00 UTC  run-002  nightly  fail     rolled back  2           1") {
		t.Errorf("runs table:\n%s", table.String())
	}

	trends, err := s.Trends(ctx, "nightly", "load", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(trends) != 2 || trends[0].Objective != "p95 latency" || trends[1].Objective != "throughput" || len(trends[0].Runs) != 3 {
		t.Fatalf("trends of load: %+v", trends)
	}
	var out bytes.Buffer
	if err := WriteTrends(&out, trends); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"nightly: p95 latency of load, last 3 runs",
		"run-002  32.0 ms   200 ms  fail    19.2ms / 41.2ms / 41.2ms (100 requests)",
		"nightly: throughput of load, last 3 runs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("trends lack %q:\n%s", want, out.String())
		}
	}
	if _, err := s.Trends(ctx, "nightly", "smoke", "", 0); err == nil {
		t.Error("trends of a check never stored: no error")
	}
}
