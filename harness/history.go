package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/rollback"
	"github.com/postflight/postflight/slo"
)

// recordHistory keeps the run in the history database — every objective
// with its observed value and budget, and each load check's latencies as
// a histogram — so that `postflight history` and later runs can compare
// against it. A history that cannot be written is an error of the report,
// not a change of the outcome.
func (r *run) recordHistory(ctx context.Context) (string, error) {
	var path string
	err := r.withHistory(ctx, func(store *history.Store, p string) error {
		path = p
		return store.Record(ctx, r.historyRecord())
	})
	if err != nil {
		r.rep.Errors = append(r.rep.Errors, err.Error())
		r.logf("warning: %v", err)
		return "failed: " + err.Error(), nil
	}
	return "recorded in " + path, nil
}

// withHistory opens the run's history database, making its directory
// when missing, and calls use with it and its path.
func (r *run) withHistory(ctx context.Context, use func(*history.Store, string) error) error {
	path, err := r.historyPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("history %s: %w", path, err)
	}
	store, err := history.Open(ctx, path)
	if err != nil {
		return err
	}
	if err = use(store, path); err != nil {
		err = fmt.Errorf("history %s: %w", path, err)
	}
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return err
}

// historyPath is --history, else history.db in the plan's state directory.
func (r *run) historyPath() (string, error) {
	if r.opts.History != "" {
		return r.opts.History, nil
	}
	dir := r.plan.Resolve(r.plan.Rollback.StateDir)
	if r.plan.Rollback.StateDir == "" {
		d, err := rollback.DefaultStateDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, history.DefaultFile), nil
}

// historyRecord is what the history keeps of the run.
func (r *run) historyRecord() history.RunRecord {
	rep := r.rep
	rec := history.RunRecord{Plan: rep.Name, PlanPath: rep.Plan, RunID: rep.RunID, Started: rep.Started,
		Verdict: rep.Verdict.Status, Outcome: string(rep.Outcome)}
	if rep.NewImage != "" {
		rec.Images = append(rec.Images, history.Image{Service: "new", Reference: rep.NewImage})
	}
	if rep.OldImage != "" {
		rec.Images = append(rec.Images, history.Image{Service: "old", Reference: rep.OldImage})
	}
	for _, c := range rep.Checks {
		for _, e := range c.Objectives {
			scale, unit := historyUnit(e.Budget.Unit)
			o := history.Objective{Check: c.Name, Name: e.Objective, Observed: e.Observed.Value * scale, Budget: e.Budget.Value * scale,
				Unit: unit, Bound: e.Bound, Status: e.Status}
			if strings.HasSuffix(e.Objective, " latency") && len(c.Latencies) > 0 {
				o.Distribution = "latency"
			}
			rec.Objectives = append(rec.Objectives, o)
		}
		if len(c.Latencies) > 0 {
			h := &history.Histogram{}
			for _, d := range c.Latencies {
				h.Add(d)
			}
			rec.Distributions = append(rec.Distributions, history.Distribution{Check: c.Name, Name: "latency", Histogram: h})
		}
	}
	return rec
}

// historyUnit is how the history writes a unit: latencies in ms, ratios
// in %, rates per second.
func historyUnit(u slo.Unit) (scale float64, name string) {
	switch u {
	case slo.UnitDuration:
		return 1000, "ms"
	case slo.UnitRatio:
		return 100, "%"
	case slo.UnitRate:
		return 1, "/s"
	}
	return 1, u.String()
}
