package slo

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Objective is one budget a check is held to: "p99 latency at most 250ms",
// "throughput at least 200/s". Build one with LatencyObjective,
// PropagationObjective, ErrorRateObjective or ThroughputObjective, which fill
// in the name, the bound and the minimum sample count.
type Objective struct {
	// Name is how reasons and reports call the objective: "p99 latency",
	// "error rate", "throughput", "propagation p95", "max latency".
	Name string `json:"name"`
	// Metric is what is measured.
	Metric Metric `json:"metric"`
	// Quantile is the percentile judged, for latency and propagation;
	// ignored otherwise.
	Quantile Quantile `json:"quantile,omitempty"`
	// Bound says whether the observed value must be at most or at least
	// the budget.
	Bound Bound `json:"bound"`
	// Budget is the limit, in the metric's unit.
	Budget Quantity `json:"budget"`
	// MinSamples is the fewest samples (latency or propagation samples, or
	// requests for error rate and throughput) that can judge the
	// objective; fewer is Inconclusive. It can raise, never lower, the
	// floor the objective's own rule sets (see RequiredSamples).
	MinSamples int `json:"min_samples"`
}

// LatencyObjective holds the q-quantile of request latencies to at most
// budget. It is named "p99 latency", "max latency" and so on.
func LatencyObjective(q Quantile, budget Latency) Objective {
	o := Objective{Name: q.String() + " latency", Metric: MetricLatency, Quantile: q, Bound: AtMost, Budget: budget.Quantity()}
	o.MinSamples = o.RequiredSamples()
	return o
}

// PropagationObjective holds the q-quantile of propagation delays to at most
// budget. It is named "propagation p95", "propagation max" and so on.
func PropagationObjective(q Quantile, budget Latency) Objective {
	o := Objective{Name: "propagation " + q.String(), Metric: MetricPropagation, Quantile: q, Bound: AtMost, Budget: budget.Quantity()}
	o.MinSamples = o.RequiredSamples()
	return o
}

// ErrorRateObjective holds the share of failed requests to at most budget.
// It is named "error rate".
func ErrorRateObjective(budget Ratio) Objective {
	o := Objective{Name: "error rate", Metric: MetricErrorRate, Bound: AtMost, Budget: budget.Quantity()}
	o.MinSamples = o.RequiredSamples()
	return o
}

// ThroughputObjective holds the achieved request rate to at least budget. It
// is named "throughput".
func ThroughputObjective(budget Rate) Objective {
	o := Objective{Name: "throughput", Metric: MetricThroughput, Bound: AtLeast, Budget: budget.Quantity()}
	o.MinSamples = o.RequiredSamples()
	return o
}

// RequiredSamples is the floor the objective's own rule sets on its sample
// count, whatever MinSamples says:
//
//   - latency and propagation: Quantile.MinSamples, ceil(1/(1-q)), so 100
//     for p99 and 1 for max;
//   - error rate: ceil(1/budget) requests, the same rule read the other way
//     (an error rate at most b says the (1-b)-quantile of outcomes is a
//     success); 1 for a budget of 0%;
//   - throughput: 1 request.
func (o Objective) RequiredSamples() int {
	switch {
	case o.Metric.percentile():
		return o.Quantile.MinSamples()
	case o.Metric == MetricErrorRate && o.Budget.Value > 0 && o.Budget.Value < 1:
		return ceilInverse(o.Budget.Value)
	}
	return 1
}

// minSamples is the sample count Evaluate demands: the larger of MinSamples
// and RequiredSamples.
func (o Objective) minSamples() int { return max(o.MinSamples, o.RequiredSamples()) }

// Validate reports what is wrong with the objective, if anything: an unknown
// metric or bound, a quantile outside (0, 1], a budget in the wrong unit or
// out of range, a negative MinSamples.
func (o Objective) Validate() error {
	var errs []string
	if o.Metric < MetricLatency || o.Metric > MetricPropagation {
		errs = append(errs, fmt.Sprintf("unknown metric %v", o.Metric))
	}
	if o.Bound != AtMost && o.Bound != AtLeast {
		errs = append(errs, fmt.Sprintf("unknown bound %v", o.Bound))
	}
	if o.Metric.percentile() && !o.Quantile.Valid() {
		errs = append(errs, fmt.Sprintf("percentile %v out of range (0, 1]", float64(o.Quantile)))
	}
	if want := o.Metric.unit(); o.Budget.Unit != want {
		errs = append(errs, fmt.Sprintf("%v budget is a %v, want a %v", o.Metric, o.Budget.Unit, want))
	}
	v := o.Budget.Value
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		errs = append(errs, fmt.Sprintf("budget %v is not a number", v))
	case o.Budget.Unit == UnitRatio && (v < 0 || v > 1):
		errs = append(errs, fmt.Sprintf("budget %v outside 0%% to 100%%", o.Budget))
	case o.Budget.Unit != UnitRatio && v <= 0:
		errs = append(errs, fmt.Sprintf("budget %v must be positive", o.Budget))
	}
	if o.MinSamples < 0 {
		errs = append(errs, fmt.Sprintf("min samples %d is negative", o.MinSamples))
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

// label is the objective's name, or one made up from its metric when the
// name is empty.
func (o Objective) label() string {
	switch {
	case o.Name != "":
		return o.Name
	case o.Metric == MetricLatency:
		return o.Quantile.String() + " latency"
	case o.Metric == MetricPropagation:
		return "propagation " + o.Quantile.String()
	}
	return o.Metric.String()
}
