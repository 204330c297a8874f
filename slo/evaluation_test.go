package slo

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

const ms = time.Millisecond

// samples builds a sample list from (count, value) pairs, in the given
// order.
func samples(pairs ...any) []time.Duration {
	var s []time.Duration
	for i := 0; i < len(pairs); i += 2 {
		for range pairs[i].(int) {
			s = append(s, pairs[i+1].(time.Duration))
		}
	}
	return s
}

func TestEvaluate(t *testing.T) {
	lat := func(q Quantile, d time.Duration) Objective { return LatencyObjective(q, Latency(d)) }
	tests := []struct {
		name     string
		obj      Objective
		m        Measurements
		status   Status
		observed string
		margin   string
		pct      float64
		samples  int
		reason   string
	}{
		// Upper bound (latency): budget - observed.
		{
			name: "p99 over budget fails",
			obj:  lat(P99, 250*ms), m: Measurements{Latencies: samples(98, 100*ms, 2, 412*ms)},
			status: Fail, observed: "412ms", margin: "-162ms", pct: -64.8, samples: 100,
			reason: "p99 latency 412ms exceeds budget 250ms by 162ms (65%)",
		},
		{
			name: "p99 within budget passes, the max outlier beyond p99 ignored",
			obj:  lat(P99, 250*ms), m: Measurements{Latencies: samples(98, 100*ms, 1, 180*ms, 1, 900*ms)},
			status: Pass, observed: "180ms", margin: "70ms", pct: 28, samples: 100,
			reason: "p99 latency 180ms within budget 250ms (margin 70ms, 28%)",
		},
		{
			name: "p99 equal to budget passes",
			obj:  lat(P99, 250*ms), m: Measurements{Latencies: samples(99, 250*ms, 1, 900*ms)},
			status: Pass, observed: "250ms", margin: "0s", pct: 0, samples: 100,
			reason: "p99 latency 250ms within budget 250ms (margin 0s, 0%)",
		},
		{
			name: "p99 one nanosecond over fails",
			obj:  lat(P99, 250*ms), m: Measurements{Latencies: samples(99, 250*ms+1, 1, 900*ms)},
			status: Fail, observed: "250ms", margin: "-1ns", pct: -4e-7, samples: 100,
			reason: "p99 latency 250ms exceeds budget 250ms by 1ns (0%)",
		},
		{
			name: "max latency fails on one slow sample",
			obj:  lat(Max, 250*ms), m: Measurements{Latencies: samples(1, 300*ms)},
			status: Fail, observed: "300ms", margin: "-50ms", pct: -20, samples: 1,
			reason: "max latency 300ms exceeds budget 250ms by 50ms (20%)",
		},
		{
			name: "p50 with sub-10% margin shows a tenth",
			obj:  lat(P50, 250*ms), m: Measurements{Latencies: samples(1, 10*ms, 1, 240*ms, 1, 400*ms)},
			status: Pass, observed: "240ms", margin: "10ms", pct: 4, samples: 3,
			reason: "p50 latency 240ms within budget 250ms (margin 10ms, 4%)",
		},
		{
			name: "propagation p95 fails",
			obj:  PropagationObjective(P95, Latency(2*time.Second)), m: Measurements{Propagation: samples(18, time.Second, 2, 3*time.Second)},
			status: Fail, observed: "3s", margin: "-1s", pct: -50, samples: 20,
			reason: "propagation p95 3s exceeds budget 2s by 1s (50%)",
		},
		{
			name: "propagation p95 passes",
			obj:  PropagationObjective(P95, Latency(2*time.Second)), m: Measurements{Propagation: samples(19, 1500*ms, 1, 3*time.Second)},
			status: Pass, observed: "1.5s", margin: "500ms", pct: 25, samples: 20,
			reason: "propagation p95 1.5s within budget 2s (margin 500ms, 25%)",
		},
		{
			name: "propagation p95 landing on a write that never showed fails, however large the budget",
			obj:  PropagationObjective(P95, Latency(time.Hour)), m: Measurements{Propagation: samples(18, time.Second), PropagationLost: 2},
			status: Fail, observed: "0s", margin: "0s", samples: 20,
			reason: "propagation p95 lands on a write that never showed: 2 of 20 writes never showed",
		},
		{
			name: "propagation p50 below the writes that never showed is judged on the delays",
			obj:  PropagationObjective(P50, Latency(2*time.Second)), m: Measurements{Propagation: samples(18, time.Second), PropagationLost: 2},
			status: Pass, observed: "1s", margin: "1s", pct: 50, samples: 20,
			reason: "propagation p50 1s within budget 2s (margin 1s, 50%)",
		},
		{
			name: "propagation max of writes that all never showed fails",
			obj:  PropagationObjective(Max, Latency(time.Hour)), m: Measurements{PropagationLost: 3},
			status: Fail, observed: "0s", margin: "0s", samples: 3,
			reason: "propagation max lands on a write that never showed: 3 of 3 writes never showed",
		},
		{
			name: "propagation p99 with too few samples, lost ones included, is inconclusive",
			obj:  PropagationObjective(P99, Latency(time.Hour)), m: Measurements{Propagation: samples(10, time.Second), PropagationLost: 10},
			status: Inconclusive, observed: "0s", margin: "0s", samples: 20,
			reason: "propagation p99: too few samples: 20 < 100 needed for p99",
		},
		// Upper bound (error rate).
		{
			name: "error rate over budget fails",
			obj:  ErrorRateObjective(0.001), m: Measurements{Requests: 1000, Errors: 12},
			status: Fail, observed: "1.2%", margin: "-1.1%", pct: -1100, samples: 1000,
			reason: "error rate 1.2% exceeds budget 0.1% by 1.1% (1100%)",
		},
		{
			name: "error rate equal to budget passes",
			obj:  ErrorRateObjective(0.001), m: Measurements{Requests: 1000, Errors: 1},
			status: Pass, observed: "0.1%", margin: "0%", pct: 0, samples: 1000,
			reason: "error rate 0.1% within budget 0.1% (margin 0%, 0%)",
		},
		{
			name: "error rate under budget passes",
			obj:  ErrorRateObjective(0.05), m: Measurements{Requests: 200, Errors: 2},
			status: Pass, observed: "1%", margin: "4%", pct: 80, samples: 200,
			reason: "error rate 1% within budget 5% (margin 4%, 80%)",
		},
		{
			name: "zero error budget, no errors: no percentage of a zero budget",
			obj:  ErrorRateObjective(0), m: Measurements{Requests: 10},
			status: Pass, observed: "0%", margin: "0%", pct: 0, samples: 10,
			reason: "error rate 0% within budget 0% (margin 0%)",
		},
		{
			name: "zero error budget, one error",
			obj:  ErrorRateObjective(0), m: Measurements{Requests: 10, Errors: 1},
			status: Fail, observed: "10%", margin: "-10%", pct: 0, samples: 10,
			reason: "error rate 10% exceeds budget 0% by 10%",
		},
		// Lower bound (throughput): observed - budget.
		{
			name: "throughput above budget passes",
			obj:  ThroughputObjective(200), m: Measurements{Requests: 6300, Rate: 210},
			status: Pass, observed: "210/s", margin: "10/s", pct: 5, samples: 6300,
			reason: "throughput 210/s meets budget 200/s (margin 10/s, 5%)",
		},
		{
			name: "throughput below budget fails",
			obj:  ThroughputObjective(200), m: Measurements{Requests: 4500, Rate: 150},
			status: Fail, observed: "150/s", margin: "-50/s", pct: -25, samples: 4500,
			reason: "throughput 150/s below budget 200/s by 50/s (25%)",
		},
		{
			name: "throughput equal to budget passes",
			obj:  ThroughputObjective(50), m: Measurements{Requests: 3000, Rate: 50},
			status: Pass, observed: "50/s", margin: "0/s", pct: 0, samples: 3000,
			reason: "throughput 50/s meets budget 50/s (margin 0/s, 0%)",
		},
		{
			name: "throughput of zero with requests sent fails",
			obj:  ThroughputObjective(200), m: Measurements{Requests: 3},
			status: Fail, observed: "0/s", margin: "-200/s", pct: -100, samples: 3,
			reason: "throughput 0/s below budget 200/s by 200/s (100%)",
		},
		// Too few samples.
		{
			name: "p99 of 42 samples is inconclusive, even far over budget",
			obj:  lat(P99, 250*ms), m: Measurements{Latencies: samples(42, 900*ms)},
			status: Inconclusive, observed: "0s", margin: "0s", samples: 42,
			reason: "p99 latency: too few samples: 42 < 100 needed for p99",
		},
		{
			name: "error rate with too few requests for its budget",
			obj:  ErrorRateObjective(0.001), m: Measurements{Requests: 50},
			status: Inconclusive, observed: "0%", margin: "0%", samples: 50,
			reason: "error rate: too few samples: 50 < 1000 needed for budget 0.1%",
		},
		{
			name: "error rate with too few requests but more errors than the budget allows in the needed count fails",
			obj:  ErrorRateObjective(0.001), m: Measurements{Requests: 50, Errors: 50},
			status: Fail, observed: "100%", margin: "-99.9%", pct: -99900, samples: 50,
			reason: "error rate 100% exceeds budget 0.1% by 99.9% (99900%): 50 errors in 50 requests already exceed what budget 0.1% allows in 1000",
		},
		{
			name: "error rate with too few requests and errors the needed count could still absorb is inconclusive",
			obj:  ErrorRateObjective(0.01), m: Measurements{Requests: 50, Errors: 1},
			status: Inconclusive, observed: "0%", margin: "0%", samples: 50,
			reason: "error rate: too few samples: 50 < 100 needed for budget 1%",
		},
		{
			name:   "MinSamples raises the floor",
			obj:    func() Objective { o := lat(P50, 250*ms); o.MinSamples = 50; return o }(),
			m:      Measurements{Latencies: samples(10, 100*ms)},
			status: Inconclusive, observed: "0s", margin: "0s", samples: 10,
			reason: "p50 latency: too few samples: 10 < 50 needed for p50",
		},
		{
			name:   "MinSamples cannot lower the floor",
			obj:    func() Objective { o := lat(P99, 250*ms); o.MinSamples = 5; return o }(),
			m:      Measurements{Latencies: samples(10, 100*ms)},
			status: Inconclusive, observed: "0s", margin: "0s", samples: 10,
			reason: "p99 latency: too few samples: 10 < 100 needed for p99",
		},
		// Zero samples, for each metric.
		{
			name: "no latency samples", obj: lat(Max, 250*ms), m: Measurements{Requests: 100, Rate: 10},
			status: Inconclusive, observed: "0s", margin: "0s", reason: "max latency: no samples",
		},
		{
			name: "no propagation samples", obj: PropagationObjective(Max, Latency(time.Second)), m: Measurements{Latencies: samples(5, ms)},
			status: Inconclusive, observed: "0s", margin: "0s", reason: "propagation max: no samples",
		},
		{
			name: "no requests for error rate", obj: ErrorRateObjective(0), m: Measurements{},
			status: Inconclusive, observed: "0%", margin: "0%", reason: "error rate: no samples",
		},
		{
			name: "no requests for throughput, whatever the rate", obj: ThroughputObjective(1), m: Measurements{Rate: 500},
			status: Inconclusive, observed: "0/s", margin: "0/s", reason: "throughput: no samples",
		},
		// Things that cannot be judged.
		{
			name: "invalid objective", obj: Objective{Name: "bogus", Metric: MetricThroughput, Bound: AtLeast}, m: Measurements{Requests: 1, Rate: 1},
			status: Inconclusive, observed: "0s", margin: "0s",
			reason: "bogus: invalid objective: throughput budget is a duration, want a rate; budget 0s must be positive",
		},
		{
			name: "more errors than requests", obj: ErrorRateObjective(0.5), m: Measurements{Requests: 3, Errors: 5},
			status: Inconclusive, observed: "0%", margin: "0%", samples: 3,
			reason: "error rate: invalid measurements: 5 errors out of 3 requests",
		},
		{
			name: "negative latency sample", obj: lat(Max, 250*ms), m: Measurements{Latencies: samples(1, 5*ms, 1, -5*ms)},
			status: Inconclusive, observed: "0s", margin: "0s", samples: 2,
			reason: "max latency: invalid measurements: negative latency sample -5ms",
		},
		{
			name: "NaN rate", obj: ThroughputObjective(1), m: Measurements{Requests: 3, Rate: Rate(math.NaN())},
			status: Inconclusive, observed: "0/s", margin: "0/s", samples: 3,
			reason: "throughput: invalid measurements: achieved rate NaN is not a rate",
		},
		{
			name: "unnamed objective is named from its metric", obj: Objective{Metric: MetricLatency, Quantile: P90, Budget: Latency(ms).Quantity()},
			m:      Measurements{Latencies: samples(10, ms)},
			status: Pass, observed: "1ms", margin: "0s", samples: 10,
			reason: "p90 latency 1ms within budget 1ms (margin 0s, 0%)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate([]Objective{tt.obj}, tt.m)
			if len(got) != 1 {
				t.Fatalf("got %d evaluations", len(got))
			}
			e := got[0]
			if e.Status != tt.status {
				t.Errorf("status = %v, want %v", e.Status, tt.status)
			}
			if e.Reason != tt.reason {
				t.Errorf("reason:\n got %q\nwant %q", e.Reason, tt.reason)
			}
			if e.Observed.String() != tt.observed || e.Margin.String() != tt.margin {
				t.Errorf("observed %v margin %v, want %s %s", e.Observed, e.Margin, tt.observed, tt.margin)
			}
			if math.Abs(e.MarginPercent-tt.pct) > 1e-9 {
				t.Errorf("margin percent = %v, want %v", e.MarginPercent, tt.pct)
			}
			if e.Samples != tt.samples {
				t.Errorf("samples = %d, want %d", e.Samples, tt.samples)
			}
			if e.Budget != tt.obj.Budget || e.Bound != tt.obj.Bound {
				t.Errorf("budget %v %v, want %v %v", e.Bound, e.Budget, tt.obj.Bound, tt.obj.Budget)
			}
			// A write that never showed has no observed value, so no margin.
			lost := strings.Contains(e.Reason, "never showed")
			if e.Status == Pass && e.Margin.Value < 0 || e.Status == Fail && e.Margin.Value >= 0 && !lost {
				t.Errorf("%v with margin %v", e.Status, e.Margin)
			}
			if strings.Contains(e.Reason, "\n") {
				t.Errorf("reason spans lines")
			}
			if _, err := json.Marshal(e); err != nil {
				t.Errorf("json: %v", err)
			}
		})
	}
}

// Each percentile is inconclusive one sample short of its floor, and judged
// at the floor. Samples sit well inside the budget: too few never passes.
func TestEvaluateTooFewSamples(t *testing.T) {
	tests := []struct {
		q      Quantile
		need   int
		reason string
	}{
		{P50, 2, "p50 latency: too few samples: 1 < 2 needed for p50"},
		{P90, 10, "p90 latency: too few samples: 9 < 10 needed for p90"},
		{P95, 20, "p95 latency: too few samples: 19 < 20 needed for p95"},
		{P99, 100, "p99 latency: too few samples: 99 < 100 needed for p99"},
		{P999, 1000, "p99.9 latency: too few samples: 999 < 1000 needed for p99.9"},
		{Max, 1, "max latency: no samples"},
	}
	for _, tt := range tests {
		t.Run(tt.q.String(), func(t *testing.T) {
			for _, kind := range []string{"latency", "propagation"} {
				o := LatencyObjective(tt.q, Latency(time.Second))
				reason := tt.reason
				m := func(n int) Measurements { return Measurements{Latencies: samples(n, ms)} }
				if kind == "propagation" {
					o = PropagationObjective(tt.q, Latency(time.Second))
					reason = strings.Replace(reason, tt.q.String()+" latency", "propagation "+tt.q.String(), 1)
					m = func(n int) Measurements { return Measurements{Propagation: samples(n, ms)} }
				}
				short := Evaluate([]Objective{o}, m(tt.need-1))[0]
				if short.Status != Inconclusive || short.Reason != reason {
					t.Errorf("%s with %d samples: %v %q, want inconclusive %q", kind, tt.need-1, short.Status, short.Reason, reason)
				}
				if short.MinSamples != tt.need {
					t.Errorf("%s MinSamples = %d, want %d", kind, short.MinSamples, tt.need)
				}
				enough := Evaluate([]Objective{o}, m(tt.need))[0]
				if enough.Status != Pass {
					t.Errorf("%s with %d samples: %v %q, want pass", kind, tt.need, enough.Status, enough.Reason)
				}
			}
		})
	}
}

func TestEvaluateManyObjectives(t *testing.T) {
	lats := samples(50, 300*ms, 50, 100*ms) // unsorted on purpose
	orig := slices.Clone(lats)
	objs := []Objective{
		LatencyObjective(P50, Latency(200*ms)),
		LatencyObjective(P99, Latency(250*ms)),
		LatencyObjective(Max, Latency(time.Second)),
		ErrorRateObjective(0.05),
		ThroughputObjective(10),
	}
	got := Evaluate(objs, Measurements{Latencies: lats, Requests: 100, Errors: 1, Rate: 12})
	want := []Status{Pass, Fail, Pass, Pass, Pass}
	for i, e := range got {
		if e.Objective != objs[i].Name || e.Status != want[i] {
			t.Errorf("%d: %s %v (%s), want %s %v", i, e.Objective, e.Status, e.Reason, objs[i].Name, want[i])
		}
	}
	if !slices.Equal(lats, orig) {
		t.Error("Evaluate reordered the caller's samples")
	}
	if s, _ := Summarize(got); s != Fail {
		t.Errorf("summary %v, want fail", s)
	}
	if len(Evaluate(nil, Measurements{})) != 0 {
		t.Error("no objectives gave evaluations")
	}
}

func BenchmarkEvaluate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	lats := make([]time.Duration, 100_000)
	for i := range lats {
		lats[i] = time.Duration(r.ExpFloat64() * float64(50*ms))
	}
	m := Measurements{Latencies: lats, Requests: len(lats), Errors: 42, Rate: 1000}
	objs := []Objective{
		LatencyObjective(P50, Latency(100*ms)),
		LatencyObjective(P90, Latency(150*ms)),
		LatencyObjective(P95, Latency(200*ms)),
		LatencyObjective(P99, Latency(250*ms)),
		LatencyObjective(P999, Latency(400*ms)),
		LatencyObjective(Max, Latency(time.Second)),
		ErrorRateObjective(0.001),
		ThroughputObjective(900),
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(objs, m)
	}
}
