package slo

import (
	"strings"
	"testing"
	"time"
)

func TestObjectiveConstructors(t *testing.T) {
	ms := Latency(time.Millisecond)
	tests := []struct {
		o        Objective
		name     string
		metric   Metric
		bound    Bound
		budget   string
		minSampl int
	}{
		{LatencyObjective(P50, 100*ms), "p50 latency", MetricLatency, AtMost, "100ms", 2},
		{LatencyObjective(P90, 200*ms), "p90 latency", MetricLatency, AtMost, "200ms", 10},
		{LatencyObjective(P95, 200*ms), "p95 latency", MetricLatency, AtMost, "200ms", 20},
		{LatencyObjective(P99, 250*ms), "p99 latency", MetricLatency, AtMost, "250ms", 100},
		{LatencyObjective(P999, 1000*ms), "p99.9 latency", MetricLatency, AtMost, "1s", 1000},
		{LatencyObjective(Max, 2000*ms), "max latency", MetricLatency, AtMost, "2s", 1},
		{PropagationObjective(P95, 2000*ms), "propagation p95", MetricPropagation, AtMost, "2s", 20},
		{PropagationObjective(Max, 5000*ms), "propagation max", MetricPropagation, AtMost, "5s", 1},
		{ErrorRateObjective(0.001), "error rate", MetricErrorRate, AtMost, "0.1%", 1000},
		{ErrorRateObjective(0.05), "error rate", MetricErrorRate, AtMost, "5%", 20},
		{ErrorRateObjective(0.003), "error rate", MetricErrorRate, AtMost, "0.3%", 334},
		{ErrorRateObjective(0), "error rate", MetricErrorRate, AtMost, "0%", 1},
		{ErrorRateObjective(1), "error rate", MetricErrorRate, AtMost, "100%", 1},
		{ThroughputObjective(200), "throughput", MetricThroughput, AtLeast, "200/s", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.budget, func(t *testing.T) {
			o := tt.o
			if o.Name != tt.name || o.Metric != tt.metric || o.Bound != tt.bound {
				t.Errorf("got %q %v %v, want %q %v %v", o.Name, o.Metric, o.Bound, tt.name, tt.metric, tt.bound)
			}
			if o.Budget.String() != tt.budget {
				t.Errorf("budget = %v, want %s", o.Budget, tt.budget)
			}
			if o.MinSamples != tt.minSampl {
				t.Errorf("MinSamples = %d, want %d", o.MinSamples, tt.minSampl)
			}
			if err := o.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestObjectiveValidate(t *testing.T) {
	ok := LatencyObjective(P99, Latency(250*time.Millisecond))
	tests := []struct {
		name   string
		edit   func(*Objective)
		errHas string
	}{
		{"zero objective", func(o *Objective) { *o = Objective{} }, "percentile 0 out of range"},
		{"unknown metric", func(o *Objective) { o.Metric = 9 }, "unknown metric Metric(9)"},
		{"unknown bound", func(o *Objective) { o.Bound = 5 }, "unknown bound Bound(5)"},
		{"quantile over 1", func(o *Objective) { o.Quantile = 1.5 }, "percentile 1.5 out of range"},
		{"wrong unit", func(o *Objective) { o.Budget = Rate(200).Quantity() }, "latency budget is a rate, want a duration"},
		{"zero latency budget", func(o *Objective) { o.Budget = Latency(0).Quantity() }, "budget 0s must be positive"},
		{"negative min samples", func(o *Objective) { o.MinSamples = -1 }, "min samples -1 is negative"},
		{"ratio over 1", func(o *Objective) { *o = ErrorRateObjective(1.5) }, "budget 150% outside 0% to 100%"},
		{"zero rate", func(o *Objective) { *o = ThroughputObjective(0) }, "budget 0/s must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := o.Validate()
			if err == nil {
				t.Fatal("Validate succeeded")
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not contain %q", err, tt.errHas)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestObjectiveEnumsText(t *testing.T) {
	for _, m := range []Metric{MetricLatency, MetricErrorRate, MetricThroughput, MetricPropagation} {
		b, _ := m.MarshalText()
		var back Metric
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("metric %v round trip = %v, %v", m, back, err)
		}
	}
	for _, bd := range []Bound{AtMost, AtLeast} {
		b, _ := bd.MarshalText()
		var back Bound
		if err := back.UnmarshalText(b); err != nil || back != bd {
			t.Errorf("bound %v round trip = %v, %v", bd, back, err)
		}
	}
	var m Metric
	var b Bound
	if m.UnmarshalText([]byte("speed")) == nil || b.UnmarshalText([]byte("about")) == nil {
		t.Error("unknown metric or bound decoded")
	}
}

func TestObjectiveLabel(t *testing.T) {
	tests := []struct {
		o    Objective
		want string
	}{
		{Objective{Name: "checkout p99", Metric: MetricLatency, Quantile: P99}, "checkout p99"},
		{Objective{Metric: MetricLatency, Quantile: Max}, "max latency"},
		{Objective{Metric: MetricPropagation, Quantile: P95}, "propagation p95"},
		{Objective{Metric: MetricErrorRate}, "error rate"},
		{Objective{Metric: MetricThroughput}, "throughput"},
	}
	for _, tt := range tests {
		if got := tt.o.label(); got != tt.want {
			t.Errorf("label = %q, want %q", got, tt.want)
		}
	}
}
