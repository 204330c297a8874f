package slo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Evaluation is one objective held against the measurements: its status,
// the numbers behind it, and one line saying why.
type Evaluation struct {
	// Objective is the objective's name ("p99 latency").
	Objective string `json:"objective"`
	Status    Status `json:"status"`
	Bound     Bound  `json:"bound"`
	// Observed, Margin and MarginPercent are zero (in the budget's unit)
	// unless Status is Pass or Fail: an objective that could not be judged
	// has no observed value to show.
	Observed Quantity `json:"observed"`
	Budget   Quantity `json:"budget"`
	// Margin is budget - observed for an AtMost bound and observed -
	// budget for AtLeast: negative means the budget was breached.
	Margin Quantity `json:"margin"`
	// MarginPercent is Margin as a percentage of Budget; 0 when the budget
	// is zero (an error rate of 0%).
	MarginPercent float64 `json:"margin_percent"`
	// Samples is how many samples the observed value came from (requests,
	// for error rate and throughput).
	Samples int `json:"samples"`
	// MinSamples is how many samples the objective needed to be judged.
	MinSamples int `json:"min_samples"`
	// Reason says in one line why: "p99 latency 412ms exceeds budget 250ms
	// by 162ms (65%)", "p99 latency 180ms within budget 250ms (margin 70ms,
	// 28%)", "p99 latency: too few samples: 42 < 100 needed for p99".
	Reason string `json:"reason"`
}

// Evaluate holds each objective against m, in order.
//
// An objective is Inconclusive, never Pass, when it cannot be judged: no
// samples at all, fewer samples than it needs (see
// Objective.RequiredSamples), an invalid objective, or measurements that
// cannot be right. One exception: an error rate on too few requests whose
// errors already breach its budget for the requests it needs fails. Otherwise it is Pass when the observed value is on the
// right side of the budget, the budget itself included (observed == budget
// passes), and Fail when not. Percentiles are nearest-rank (see
// Percentile). m's sample slices are not modified.
func Evaluate(objs []Objective, m Measurements) []Evaluation {
	s := sortedSamples{m: &m}
	out := make([]Evaluation, len(objs))
	for i, o := range objs {
		out[i] = s.evaluate(o)
	}
	return out
}

func (s *sortedSamples) evaluate(o Objective) Evaluation {
	name := o.label()
	zero := Quantity{Unit: o.Budget.Unit}
	e := Evaluation{
		Objective:  name,
		Status:     Inconclusive,
		Bound:      o.Bound,
		Observed:   zero,
		Budget:     o.Budget,
		Margin:     zero,
		MinSamples: o.minSamples(),
	}
	if err := o.Validate(); err != nil {
		e.Reason = fmt.Sprintf("%s: invalid objective: %v", name, err)
		return e
	}
	n, observed, err := s.measure(o)
	e.Samples = n
	switch {
	case err != nil && !errors.Is(err, errLost):
		e.Reason = fmt.Sprintf("%s: invalid measurements: %v", name, err)
		return e
	case n == 0:
		e.Reason = fmt.Sprintf("%s: no samples", name)
		return e
	case n < e.MinSamples && !s.errorsBreachAnyway(o, e.MinSamples):
		e.Reason = fmt.Sprintf("%s: too few samples: %d < %d needed for %s", name, n, e.MinSamples, o.judged())
		return e
	case err != nil: // errLost: later than any budget
		e.Status = Fail
		e.Reason = fmt.Sprintf("%s %v: %d of %d writes never showed", name, err, s.m.PropagationLost, n)
		return e
	}
	// Judged on fewer requests than the budget needs only when the errors
	// already breach it: say so, since the count is short.
	short := ""
	if n < e.MinSamples {
		short = fmt.Sprintf(": %d errors in %d requests already exceed what budget %v allows in %d", s.m.Errors, n, o.Budget, e.MinSamples)
	}

	e.Observed = observed
	if o.Budget.Unit == UnitDuration {
		// Subtract whole nanoseconds, so that a margin of 70ms is 70ms.
		d := o.Budget.latency() - observed.latency()
		if o.Bound == AtLeast {
			d = -d
		}
		e.Margin = d.Quantity()
	} else {
		v := o.Budget.Value - observed.Value
		if o.Bound == AtLeast {
			v = -v
		}
		e.Margin = Quantity{Unit: o.Budget.Unit, Value: v}
	}
	if o.Budget.Value != 0 {
		e.MarginPercent = e.Margin.Value / o.Budget.Value * 100
	}

	// Compare the values, not the margin: observed == budget passes even
	// where subtracting would round.
	pass := observed.Value <= o.Budget.Value
	if o.Bound == AtLeast {
		pass = observed.Value >= o.Budget.Value
	}
	by := e.Margin
	by.Value = math.Abs(by.Value)
	pct := ""
	if o.Budget.Value != 0 {
		pct = formatPercent(e.MarginPercent)
	}
	if pass {
		e.Status = Pass
		verb := "within"
		if o.Bound == AtLeast {
			verb = "meets"
		}
		if pct != "" {
			pct = ", " + pct
		}
		e.Reason = fmt.Sprintf("%s %v %s budget %v (margin %v%s)", name, observed, verb, o.Budget, by, pct)
		return e
	}
	e.Status = Fail
	verb := "exceeds"
	if o.Bound == AtLeast {
		verb = "below"
	}
	if pct != "" {
		pct = " (" + pct + ")"
	}
	e.Reason = fmt.Sprintf("%s %v %s budget %v by %v%s%s", name, observed, verb, o.Budget, by, pct, short)
	return e
}

// errorsBreachAnyway says whether an error-rate objective judged on fewer
// requests than it needs is breached whatever the missing requests would
// have been: more errors than need requests at the budget allow. Failing
// then is on evidence; passing never is, so too few requests without that
// many errors stays inconclusive.
func (s *sortedSamples) errorsBreachAnyway(o Objective, need int) bool {
	return o.Metric == MetricErrorRate && float64(s.m.Errors) > o.Budget.Value*float64(need)
}

// formatPercent writes the magnitude of a percentage the way a reason needs
// it: whole from 10% up ("65%"), to a tenth below ("4.2%", "0%").
func formatPercent(p float64) string {
	p = math.Abs(p)
	if p >= 10 {
		p = math.Round(p)
	} else {
		p = math.Round(p*10) / 10
	}
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

// judged names what a too-few-samples reason says the samples were needed
// for: the percentile, or the error-rate budget.
func (o Objective) judged() string {
	switch {
	case o.Metric.percentile():
		return o.Quantile.String()
	case o.Metric == MetricErrorRate:
		return "budget " + o.Budget.String()
	}
	return o.label()
}
