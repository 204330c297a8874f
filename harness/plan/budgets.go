package plan

import (
	"strings"

	"github.com/postflight/postflight/slo"
)

// Objectives turns the budgets into the objectives slo evaluates, latency
// first, then error rate, throughput and propagation.
func (b Budgets) Objectives() []slo.Objective {
	var out []slo.Objective
	for _, pb := range b.Latency.each() {
		out = append(out, slo.LatencyObjective(pb.q, *pb.budget))
	}
	if b.ErrorRate != nil {
		out = append(out, slo.ErrorRateObjective(*b.ErrorRate))
	}
	if b.Throughput != nil {
		out = append(out, slo.ThroughputObjective(*b.Throughput))
	}
	for _, pb := range b.Propagation.each() {
		out = append(out, slo.PropagationObjective(pb.q, *pb.budget))
	}
	return out
}

// LoadObjectives are a load check's objectives: its budgets, held to
// DefaultErrorRate when they name no error rate.
func (b Budgets) LoadObjectives() []slo.Objective {
	if b.ErrorRate == nil {
		rate := DefaultErrorRate
		b.ErrorRate = &rate
	}
	return b.Objectives()
}

type percentileBudget struct {
	q      slo.Quantile
	budget *slo.Latency
}

// key is the budget's key in a plan: p50, p999, max.
func (pb percentileBudget) key() string { return strings.ReplaceAll(pb.q.String(), ".", "") }

// each lists the percentiles that have a budget, lowest first.
func (p Percentiles) each() []percentileBudget {
	var out []percentileBudget
	for _, pb := range []percentileBudget{{slo.P50, p.P50}, {slo.P90, p.P90}, {slo.P95, p.P95}, {slo.P99, p.P99}, {slo.P999, p.P999}, {slo.Max, p.Max}} {
		if pb.budget != nil {
			out = append(out, pb)
		}
	}
	return out
}
