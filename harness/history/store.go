// Package history keeps every run of a plan in an embedded SQLite database
// and compares a run's objectives with earlier runs of the same plan.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/postflight/postflight/slo"

	// The SQLite driver ("sqlite"): pure Go.
	_ "modernc.org/sqlite"
)

// busyTimeout is how long a write waits for another process's write.
const busyTimeout = 30 * time.Second

// Store is a history database. It is safe for concurrent use, also by
// several processes on the same file: the journal is a write-ahead log,
// writers wait for each other up to busyTimeout, and every transaction
// takes the write lock when it begins.
type Store struct {
	db   *sql.DB
	path string
}

// Open opens the history at path, creating the file and bringing its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close history %s: %w", s.path, err)
	}
	return nil
}

// Record stores one run with its images, objectives and distributions, all
// or nothing.
func (s *Store) Record(ctx context.Context, r RunRecord) (err error) {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("record run %q: %w", r.RunID, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.RunID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := insertRun(ctx, tx, r); err != nil {
		return fmt.Errorf("record run %s: %w", r.RunID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record run %s: commit: %w", r.RunID, err)
	}
	return nil
}

func insertRun(ctx context.Context, tx *sql.Tx, r RunRecord) error {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO runs (run_id, plan, plan_path, started_ns, verdict, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
		r.RunID, r.Plan, r.PlanPath, r.Started.UnixNano(), r.Verdict.String(), r.Outcome)
	if err != nil {
		return fmt.Errorf("insert run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert run: %w", err)
	}
	for _, im := range r.Images {
		if _, err := tx.ExecContext(ctx, `INSERT INTO images (run, service, reference, digest) VALUES (?, ?, ?, ?)`,
			id, im.Service, im.Reference, im.Digest); err != nil {
			return fmt.Errorf("insert image %s: %w", im.Reference, err)
		}
	}
	for _, o := range r.Objectives {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO objectives (run, check_name, name, observed, budget, unit, bound, status, distribution)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, o.Check, o.Name, o.Observed, o.Budget, o.Unit, o.Bound.String(), o.Status.String(), o.Distribution); err != nil {
			return fmt.Errorf("insert objective %s of %s: %w", o.Name, o.Check, err)
		}
	}
	for _, d := range r.Distributions {
		blob, err := d.Histogram.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode distribution %s of %s: %w", d.Name, d.Check, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO distributions (run, check_name, name, scheme, buckets) VALUES (?, ?, ?, ?, ?)`,
			id, d.Check, d.Name, Scheme, blob); err != nil {
			return fmt.Errorf("insert distribution %s of %s: %w", d.Name, d.Check, err)
		}
	}
	return nil
}

// Query selects comparable earlier observations of one objective.
type Query struct {
	Plan, Check, Objective string
	// Before keeps only runs that started strictly earlier; zero keeps all.
	Before time.Time
	// Limit is the most runs returned; 0 or less returns all.
	Limit int
	// Passed keeps only runs whose verdict passed: a run that failed (and
	// was rolled back) is no baseline of what the plan's service does.
	Passed bool
}

// Past is one earlier run's observation of an objective.
type Past struct {
	RunID    string     `json:"run_id"`
	Started  time.Time  `json:"started"`
	Verdict  slo.Status `json:"verdict"`
	Observed float64    `json:"observed"`
	Budget   float64    `json:"budget"`
	Unit     string     `json:"unit"`
	Status   slo.Status `json:"status"`
	// Distribution is the objective's distribution in that run; nil when
	// the run stored none, or stored it in another bucket scheme.
	Distribution *Histogram `json:"-"`
}

// Comparable returns earlier runs of the same plan that measured the same
// objective of the same check, newest first. Runs whose objective was
// inconclusive measured nothing and are left out.
func (s *Store) Comparable(ctx context.Context, q Query) ([]Past, error) {
	before := int64(1<<63 - 1)
	if !q.Before.IsZero() {
		before = q.Before.UnixNano()
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	past, err := queryAll(ctx, s.db, scanPast,
		`SELECT r.run_id, r.started_ns, r.verdict, o.observed, o.budget, o.unit, o.status, d.scheme, d.buckets
		 FROM runs r
		 JOIN objectives o ON o.run = r.id
		 LEFT JOIN distributions d ON d.run = r.id AND d.check_name = o.check_name AND d.name = o.distribution
		 WHERE r.plan = ? AND o.check_name = ? AND o.name = ? AND o.status != ? AND r.started_ns < ?
		   AND (? = 0 OR r.verdict = ?)
		 ORDER BY r.started_ns DESC, r.id DESC
		 LIMIT ?`,
		q.Plan, q.Check, q.Objective, slo.Inconclusive.String(), before, q.Passed, slo.Pass.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("read history of %s %s: %w", q.Check, q.Objective, err)
	}
	return past, nil
}

func scanPast(rows *sql.Rows) (Past, error) {
	var (
		p               Past
		started         int64
		verdict, status string
		scheme          sql.NullString
		blob            []byte
	)
	if err := rows.Scan(&p.RunID, &started, &verdict, &p.Observed, &p.Budget, &p.Unit, &status, &scheme, &blob); err != nil {
		return p, err
	}
	p.Started = time.Unix(0, started)
	var errs []error
	errs = append(errs, p.Verdict.UnmarshalText([]byte(verdict)), p.Status.UnmarshalText([]byte(status)))
	if scheme.Valid && scheme.String == Scheme {
		p.Distribution = &Histogram{}
		if err := p.Distribution.UnmarshalBinary(blob); err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", p.RunID, err))
		}
	}
	return p, errors.Join(errs...)
}

// Runs is how many runs of plan the history holds.
func (s *Store) Runs(ctx context.Context, plan string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE plan = ?`, plan).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs of %s: %w", plan, err)
	}
	return n, nil
}
