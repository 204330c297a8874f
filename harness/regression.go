package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/rollback"
	"github.com/postflight/postflight/slo"
)

// compareHistory holds every objective of the run's checks against the
// same objective of the last runs of the plan that passed, as
// policy.regression says, before the verdict: a run is recorded in the
// history after it, so it never compares with itself.
func (r *run) compareHistory(ctx context.Context) (string, error) {
	rule := r.plan.Policy.Regression
	if rule == nil {
		return "skipped: the plan has no policy.regression", nil
	}
	g := &report.Regression{OnRegression: rule.OnRegression,
		Rule: history.Rule{Runs: rule.Runs, Tolerance: float64(*rule.Tolerance), Significance: float64(*rule.Significance)}}
	r.rep.Regression = g
	err := r.withHistory(ctx, func(store *history.Store, path string) error {
		g.History = path
		var err error
		g.Comparisons, err = store.Regression(ctx, r.historyRecord(), g.Rule)
		return err
	})
	if err != nil {
		g.Error = err.Error()
		r.logf("history: could not compare with the history: %v", err)
		return "failed: " + err.Error(), nil
	}
	counts := make([]string, 0, 4)
	for _, o := range []history.Outcome{history.Regression, history.Steady, history.NoBaseline, history.Inconclusive} {
		if n := len(g.With(o)); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, o))
		}
	}
	note := fmt.Sprintf("%d objective(s) against %s: %s", len(g.Comparisons), g.History, strings.Join(counts, ", "))
	if len(g.Comparisons) == 0 {
		note = "no objective to compare: no check of the run has budgets"
	}
	r.logf("history: %s", note)
	return note, nil
}

// regressionVerdict is the checks' verdict with the comparison with
// history: under on_regression: fail, a regression fails the run and a
// history that could not be read leaves it inconclusive at best. Under
// warn the verdict is the checks'.
func (r *run) regressionVerdict(v slo.Verdict) slo.Verdict {
	g := r.rep.Regression
	if g == nil || !r.plan.Policy.Regression.Fails() {
		return v
	}
	why, status := g.Regressed(), slo.Fail
	if g.Error != "" {
		why, status = "could not compare with the history: "+g.Error, slo.Inconclusive
	}
	if why == "" {
		return v
	}
	if v.Status == slo.Pass {
		v.Reason = fmt.Sprintf("%s, but %s", v.Reason, why)
	} else {
		v.Reason += "; " + why
	}
	v.Status = slo.Worst(v.Status, status)
	return v
}

// regressionWarning is what a passing run's summary adds when an objective
// regressed under on_regression: warn.
func (r *run) regressionWarning() string {
	g := r.rep.Regression
	if g == nil || r.plan.Policy.Regression.Fails() || g.Regressed() == "" {
		return ""
	}
	return "; warning: " + g.Regressed()
}

// regressions are the objectives that regressed against history, as
// failures a rollback driver is told of, when a regression fails the run.
func (r *run) regressions() []rollback.Failure {
	g := r.rep.Regression
	if !g.Fails() {
		return nil
	}
	var out []rollback.Failure
	for _, c := range g.With(history.Regression) {
		out = append(out, rollback.Failure{Check: c.Check, Objective: c.Objective, Status: slo.Fail.String(),
			Observed: fmt.Sprintf("%.1f %s", c.Observed, c.Unit),
			Budget:   fmt.Sprintf("within %g%% of %.1f %s, the median of the last %d runs", g.Rule.Tolerance*100, c.Baseline, c.Unit, c.Runs),
			Reason:   c.Reason})
	}
	return out
}
