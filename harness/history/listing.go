package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/postflight/postflight/slo"
)

// DefaultFile is the history's file name in the state directory.
const DefaultFile = "history.db"

// Run is one stored run, without its objectives.
type Run struct {
	RunID      string     `json:"run_id"`
	Plan       string     `json:"plan"`
	PlanPath   string     `json:"plan_path"`
	Started    time.Time  `json:"started"`
	Verdict    slo.Status `json:"verdict"`
	Outcome    string     `json:"outcome"`
	Objectives int        `json:"objectives"`
	Failed     int        `json:"failed"`
}

// List returns the runs of plan (of every plan when empty), newest first,
// at most limit of them (all when limit <= 0).
func (s *Store) List(ctx context.Context, plan string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1
	}
	runs, err := queryAll(ctx, s.db, scanRun,
		`SELECT r.run_id, r.plan, r.plan_path, r.started_ns, r.verdict, r.outcome,
		        count(o.run), coalesce(sum(o.status = ?), 0)
		 FROM runs r LEFT JOIN objectives o ON o.run = r.id
		 WHERE ? = '' OR r.plan = ?
		 GROUP BY r.id
		 ORDER BY r.started_ns DESC, r.id DESC
		 LIMIT ?`, slo.Fail.String(), plan, plan, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs of %q: %w", plan, err)
	}
	return runs, nil
}

func scanRun(rows *sql.Rows) (Run, error) {
	var r Run
	var started int64
	var verdict string
	if err := rows.Scan(&r.RunID, &r.Plan, &r.PlanPath, &started, &verdict, &r.Outcome, &r.Objectives, &r.Failed); err != nil {
		return r, err
	}
	r.Started = time.Unix(0, started)
	return r, r.Verdict.UnmarshalText([]byte(verdict))
}

// Objectives returns the names of the objectives of check that runs of
// plan measured, in order of name.
func (s *Store) Objectives(ctx context.Context, plan, check string) ([]string, error) {
	names, err := queryAll(ctx, s.db, func(rows *sql.Rows) (n string, err error) { return n, rows.Scan(&n) },
		`SELECT DISTINCT o.name FROM objectives o JOIN runs r ON r.id = o.run
		 WHERE r.plan = ? AND o.check_name = ? ORDER BY o.name`, plan, check)
	if err != nil {
		return nil, fmt.Errorf("list objectives of %s: %w", check, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no objectives of check %q in the history of plan %q", check, plan)
	}
	return names, nil
}

// Trends returns the last limit measured values of every objective of
// check in runs of plan, or of the one named objective when it is not
// empty.
func (s *Store) Trends(ctx context.Context, plan, check, objective string, limit int) ([]Trend, error) {
	names := []string{objective}
	if objective == "" {
		var err error
		if names, err = s.Objectives(ctx, plan, check); err != nil {
			return nil, err
		}
	}
	out := make([]Trend, 0, len(names))
	for _, n := range names {
		past, err := s.Comparable(ctx, Query{Plan: plan, Check: check, Objective: n, Limit: limit})
		if err != nil {
			return nil, err
		}
		out = append(out, Trend{Plan: plan, Check: check, Objective: n, Runs: past})
	}
	return out, nil
}
