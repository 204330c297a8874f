package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/postflight/postflight/slo"
)

// Rule says when an objective has regressed against its history.
type Rule struct {
	// Runs is how many earlier comparable runs make a baseline; with fewer
	// there is no baseline.
	Runs int `json:"runs"`
	// Tolerance is the relative change from the baseline's median that is
	// accepted in the worse direction (0.10 for 10 %).
	Tolerance float64 `json:"tolerance"`
	// Significance is the largest p-value, of the one-sided Mann-Whitney U
	// test of this run's distribution against the baseline's, at which a
	// change beyond the tolerance is flagged.
	Significance float64 `json:"significance"`
}

// DefaultRule compares with the last 7 runs, accepts 10 % and flags at
// p < 0.01.
var DefaultRule = Rule{Runs: 7, Tolerance: 0.10, Significance: 0.01}

// Validate reports every field out of range.
func (r Rule) Validate() error {
	var errs []error
	if r.Runs < 1 {
		errs = append(errs, fmt.Errorf("regression runs %d: want at least 1", r.Runs))
	}
	if r.Tolerance < 0 || math.IsNaN(r.Tolerance) {
		errs = append(errs, fmt.Errorf("regression tolerance %v: want 0 or more", r.Tolerance))
	}
	if !(r.Significance > 0 && r.Significance < 1) {
		errs = append(errs, fmt.Errorf("regression significance %v: want between 0 and 1", r.Significance))
	}
	return errors.Join(errs...)
}

// Comparison is one objective of a run held against its history.
type Comparison struct {
	Check     string  `json:"check"`
	Objective string  `json:"objective"`
	Outcome   Outcome `json:"outcome"`
	// Observed is this run's value; Baseline the median of the history's.
	Observed float64 `json:"observed"`
	Baseline float64 `json:"baseline,omitempty"`
	Unit     string  `json:"unit"`
	// Change is relative to Baseline: +0.24 is 24 % more.
	Change float64 `json:"change,omitempty"`
	// P is the test's p-value; nil when no test was run.
	P *float64 `json:"p,omitempty"`
	// Runs is how many earlier runs were compared with, of Rule.Runs.
	Runs int `json:"runs"`
	// Reason says it in words.
	Reason string `json:"reason"`
}

// Compare holds objective o of run against its history (comparable earlier
// runs, newest first). A change is flagged only when it is beyond the
// tolerance from the history's median in the worse direction, worse than
// every one of those runs, and the
// run's distribution differs from the history's merged distributions at
// the rule's significance. Too little history is NoBaseline, and a change
// beyond the tolerance that cannot be tested is Inconclusive: neither is
// ever a pass of the comparison.
func Compare(run RunRecord, o Objective, history []Past, rule Rule) Comparison {
	history = history[:min(len(history), rule.Runs)]
	c := Comparison{Check: o.Check, Objective: o.Name, Observed: o.Observed, Unit: o.Unit, Runs: len(history)}
	switch {
	case o.Status == slo.Inconclusive:
		return c.with(Inconclusive, "%s: this run measured nothing to compare", o.Name)
	case len(history) < rule.Runs:
		return c.with(NoBaseline, "%s: no baseline, %d of %d earlier runs", o.Name, len(history), rule.Runs)
	}
	values := make([]float64, len(history))
	for i, p := range history {
		values[i] = p.Observed
	}
	c.Baseline = median(values)
	head := fmt.Sprintf("%s %s vs %s median of the last %d runs",
		o.Name, quantity(o.Observed, o.Unit), quantity(c.Baseline, o.Unit), len(history))
	if c.Baseline == 0 {
		if o.Observed == 0 {
			return c.with(Steady, "%s, unchanged", head)
		}
		return c.with(Inconclusive, "%s: no relative change from a median of 0", head)
	}
	c.Change = (o.Observed - c.Baseline) / math.Abs(c.Baseline)
	head += ", " + percent(c.Change)
	worse := c.Change > rule.Tolerance
	if o.Bound == slo.AtLeast {
		worse = -c.Change > rule.Tolerance
	}
	if !worse {
		return c.with(Steady, "%s, within %s", head, percent(rule.Tolerance)[1:])
	}
	// A night no worse than the worst of the baseline's own nights is
	// within the spread the history already shows (a busy machine, a noisy
	// neighbour): the per-request test below cannot see that spread, as
	// every night's requests share that night's conditions.
	lo, hi := slices.Min(values), slices.Max(values)
	if o.Bound == slo.AtLeast && o.Observed >= lo || o.Bound != slo.AtLeast && o.Observed <= hi {
		return c.with(Steady, "%s, within the range of those runs (%s to %s)", head, quantity(lo, o.Unit), quantity(hi, o.Unit))
	}
	cur := run.distribution(o.Check, o.Distribution)
	var past Histogram
	for _, p := range history {
		past.Merge(p.Distribution)
	}
	if o.Distribution == "" || cur.Count() == 0 || past.Count() == 0 {
		return c.with(Inconclusive, "%s, beyond %s, but no stored distributions to test it on", head, percent(rule.Tolerance)[1:])
	}
	p := greaterP(cur, &past)
	if o.Bound == slo.AtLeast {
		p = lessP(cur, &past)
	}
	if math.IsNaN(p) {
		return c.with(Inconclusive, "%s, beyond %s, but the distributions cannot be told apart by rank", head, percent(rule.Tolerance)[1:])
	}
	c.P = &p
	if p < rule.Significance {
		return c.with(Regression, "%s, %s", head, pValue(p))
	}
	return c.with(Steady, "%s, not significant (%s)", head, pValue(p))
}

func (c Comparison) with(o Outcome, format string, args ...any) Comparison {
	c.Outcome = o
	c.Reason = fmt.Sprintf(format, args...)
	return c
}

// Regression compares every objective of run with the last rule.Runs
// comparable runs in the store that started before it and passed.
func (s *Store) Regression(ctx context.Context, run RunRecord, rule Rule) ([]Comparison, error) {
	if err := rule.Validate(); err != nil {
		return nil, fmt.Errorf("compare run %s with history: %w", run.RunID, err)
	}
	out := make([]Comparison, 0, len(run.Objectives))
	for _, o := range run.Objectives {
		past, err := s.Comparable(ctx, Query{Plan: run.Plan, Check: o.Check, Objective: o.Name, Before: run.Started, Limit: rule.Runs, Passed: true})
		if err != nil {
			return nil, fmt.Errorf("compare run %s with history: %w", run.RunID, err)
		}
		out = append(out, Compare(run, o, past, rule))
	}
	return out, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantity writes v with three significant digits and its unit.
func quantity(v float64, unit string) string {
	decimals := 0
	if v != 0 {
		decimals = max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// percent writes a relative change with its sign: "+24%".
func percent(f float64) string { return fmt.Sprintf("%+.0f%%", f*100) }

func pValue(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return "p = " + strconv.FormatFloat(p, 'g', 2, 64)
}
