package history

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

var night0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

// night is a run of plan "nightly" on night i with a p95 latency and its
// latency distribution.
func night(i int, p95 float64, h *Histogram) RunRecord {
	return RunRecord{
		Plan:     "nightly",
		PlanPath: "plans/nightly.yaml",
		RunID:    fmt.Sprintf("run-%03d", i),
		Started:  night0.Add(time.Duration(i) * 24 * time.Hour),
		Images:   []Image{{Service: "api", Reference: "shop/api:1.2.0", Digest: "sha256:abc"}},
		Verdict:  slo.Pass,
		Outcome:  "passed",
		Objectives: []Objective{
			{Check: "load", Name: "p95 latency", Observed: p95, Budget: 200, Unit: "ms", Bound: slo.AtMost, Status: slo.Pass, Distribution: "latency"},
			{Check: "load", Name: "throughput", Observed: 100, Budget: 90, Unit: "req/s", Bound: slo.AtLeast, Status: slo.Pass},
		},
		Distributions: []Distribution{{Check: "load", Name: "latency", Histogram: h}},
	}
}

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestOpenMigratesAnEmptyFileAndReopens(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var h Histogram
	h.AddN(30*time.Millisecond, 10)
	h.AddN(80*time.Millisecond, 2)
	if err := s.Record(ctx, night(1, 33, &h)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer func() { _ = s.Close() }()
	var version int
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion || mode != "wal" {
		t.Errorf("schema version %d, journal %q; want %d, wal", version, mode, SchemaVersion)
	}
	past, err := s.Comparable(ctx, Query{Plan: "nightly", Check: "load", Objective: "p95 latency"})
	if err != nil {
		t.Fatal(err)
	}
	if len(past) != 1 || past[0].RunID != "run-001" || past[0].Observed != 33 || past[0].Unit != "ms" ||
		!past[0].Started.Equal(night(1, 0, nil).Started) || past[0].Distribution == nil ||
		!slices.Equal(past[0].Distribution.Counts(), h.Counts()) {
		t.Errorf("read back %+v; want run-001 at 33 ms with its 12 latencies", past)
	}
}

func TestOpenRefusesASchemaNewerThanItKnows(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if s, err := Open(ctx, path); err == nil {
		_ = s.Close()
		t.Error("opened a history of a newer schema without error")
	}
}

func TestConcurrentWritersBothLand(t *testing.T) {
	ctx := t.Context()
	// Both writers open a file that does not exist yet, as two processes
	// would, so both also race to create and migrate it.
	path := filepath.Join(t.TempDir(), "history.db")
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*each+2)
	for w := range 2 {
		wg.Go(func() {
			s, err := Open(ctx, path)
			if err != nil {
				errs <- err
				return
			}
			defer func() { errs <- s.Close() }()
			for i := range each {
				var h Histogram
				h.AddN(time.Duration(i+1)*time.Millisecond, 100)
				errs <- s.Record(ctx, night(w*each+i, float64(i), &h))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if n, err := s.Runs(ctx, "nightly"); err != nil || n != 2*each {
		t.Errorf("%d runs stored (%v), want %d", n, err, 2*each)
	}
}

func TestComparableKeepsOnlyEarlierMeasuredRunsOfTheSamePlanNewestFirst(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	var h Histogram
	h.Add(time.Millisecond)
	record := func(r RunRecord) {
		t.Helper()
		if err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		record(night(i, float64(10+i), &h))
	}
	other := night(10, 99, &h)
	other.Plan = "other"
	record(other)
	blind := night(11, 0, &h)
	blind.Objectives[0].Status = slo.Inconclusive
	record(blind)

	past, err := s.Comparable(ctx, Query{Plan: "nightly", Check: "load", Objective: "p95 latency", Before: night(4, 0, nil).Started, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range past {
		ids = append(ids, p.RunID)
	}
	if want := []string{"run-003", "run-002", "run-001"}; !slices.Equal(ids, want) {
		t.Errorf("comparable runs %v, want %v", ids, want)
	}
	if err := s.Record(ctx, night(2, 1, &h)); err == nil {
		t.Error("recorded the same run id twice without error")
	}
	if err := s.Record(ctx, RunRecord{}); err == nil {
		t.Error("recorded a run without plan, id or start without error")
	}
}
func TestOpenCreatesTheFileAtAPathWithSpaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "night runs", "history #1.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no database at %s: %v", path, err)
	}
}

// A baseline is made of runs that passed: a night that failed (and was
// rolled back) says nothing of what the service does.
func TestComparableLeavesFailedRunsOutOfABaseline(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	var h Histogram
	h.Add(time.Millisecond)
	for i := range 3 {
		r := night(i, float64(10+i), &h)
		if i == 1 {
			r.Verdict, r.Outcome = slo.Fail, "rolled back"
		}
		if err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	q := Query{Plan: "nightly", Check: "load", Objective: "p95 latency"}
	all, err := s.Comparable(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	q.Passed = true
	passed, err := s.Comparable(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || len(passed) != 2 || passed[0].RunID != "run-002" || passed[1].RunID != "run-000" {
		t.Errorf("every run %d, passed runs %+v; want 3, and run-002, run-000", len(all), passed)
	}
}
