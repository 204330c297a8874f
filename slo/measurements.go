package slo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Measurements is what a check measured, for Evaluate to hold against
// objectives. Fields an objective does not use may be left zero.
type Measurements struct {
	// Latencies holds one latency per request, in any order. Evaluate
	// neither sorts nor keeps it.
	Latencies []time.Duration
	// Requests counts the requests sent; it is the sample count of the
	// error rate and throughput objectives.
	Requests int
	// Errors counts the requests that failed, at most Requests.
	Errors int
	// Rate is the request rate achieved.
	Rate Rate
	// Propagation holds one propagation delay per write (written here,
	// seen there) that showed, in any order.
	Propagation []time.Duration
	// PropagationLost counts the writes that never showed: they are
	// samples later than any delay, and a percentile that lands on one
	// fails whatever the budget. They have no delay, so that a write that
	// never showed can never count as within a budget.
	PropagationLost int
}

// sortedSamples sorts a measurement's samples at most once per Evaluate,
// and only if an objective asks for them.
type sortedSamples struct {
	m                    *Measurements
	latencies, propagate []time.Duration
	haveLat, haveProp    bool
}

// of returns the samples of metric, sorted; the caller's slice when it is
// already sorted, a sorted copy otherwise.
func (s *sortedSamples) of(metric Metric) []time.Duration {
	if metric == MetricPropagation {
		if !s.haveProp {
			s.propagate, s.haveProp = sortedView(s.m.Propagation), true
		}
		return s.propagate
	}
	if !s.haveLat {
		s.latencies, s.haveLat = sortedView(s.m.Latencies), true
	}
	return s.latencies
}

func sortedView(d []time.Duration) []time.Duration {
	if slices.IsSorted(d) {
		return d
	}
	c := slices.Clone(d)
	slices.Sort(c)
	return c
}

// errLost says the percentile judged lands on a propagation sample that
// never showed.
var errLost = errors.New("lands on a write that never showed")

// measure returns the sample count of the objective's metric, and, when
// there are samples, the observed value. errLost says the percentile is a
// write that never showed; another error says the measurements cannot be
// right (a negative latency, more errors than requests).
func (s *sortedSamples) measure(o Objective) (n int, observed Quantity, err error) {
	m := s.m
	switch o.Metric {
	case MetricLatency, MetricPropagation:
		sorted := s.of(o.Metric)
		lost := 0
		if o.Metric == MetricPropagation {
			lost = m.PropagationLost
		}
		n = len(sorted) + lost
		switch {
		case lost < 0:
			return n, Quantity{}, fmt.Errorf("negative count of lost writes %d", lost)
		case n == 0:
			return 0, Quantity{}, nil
		case len(sorted) > 0 && sorted[0] < 0:
			return n, Quantity{}, fmt.Errorf("negative %v sample %v", o.Metric, Latency(sorted[0]))
		}
		r := rank(n, float64(o.Quantile))
		if r > len(sorted) {
			return n, Quantity{}, errLost
		}
		return n, Latency(sorted[r-1]).Quantity(), nil
	case MetricErrorRate:
		switch {
		case m.Requests < 0:
			return 0, Quantity{}, fmt.Errorf("negative request count %d", m.Requests)
		case m.Errors < 0:
			return m.Requests, Quantity{}, fmt.Errorf("negative error count %d", m.Errors)
		case m.Errors > m.Requests:
			return m.Requests, Quantity{}, fmt.Errorf("%d errors out of %d requests", m.Errors, m.Requests)
		case m.Requests == 0:
			return 0, Quantity{}, nil
		}
		return m.Requests, Ratio(float64(m.Errors) / float64(m.Requests)).Quantity(), nil
	case MetricThroughput:
		r := float64(m.Rate)
		switch {
		case m.Requests < 0:
			return 0, Quantity{}, fmt.Errorf("negative request count %d", m.Requests)
		case math.IsNaN(r) || math.IsInf(r, 0) || r < 0:
			return m.Requests, Quantity{}, fmt.Errorf("achieved rate %v is not a rate", r)
		}
		return m.Requests, m.Rate.Quantity(), nil
	}
	return 0, Quantity{}, fmt.Errorf("unknown metric %v", o.Metric)
}
