package slo

import "fmt"

// Metric is what an objective measures.
type Metric int

const (
	// MetricLatency: a percentile of request latencies, budget a Latency.
	MetricLatency Metric = iota
	// MetricErrorRate: failed requests over all requests, budget a Ratio.
	MetricErrorRate
	// MetricThroughput: the request rate achieved, budget a Rate.
	MetricThroughput
	// MetricPropagation: a percentile of propagation delays (write here,
	// see it there), budget a Latency.
	MetricPropagation
)

var metricNames = [...]string{
	MetricLatency:     "latency",
	MetricErrorRate:   "error rate",
	MetricThroughput:  "throughput",
	MetricPropagation: "propagation",
}

// String names the metric: "latency", "error rate", "throughput" or
// "propagation".
func (m Metric) String() string {
	if m >= 0 && int(m) < len(metricNames) {
		return metricNames[m]
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// MarshalText writes the metric by name.
func (m Metric) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a metric by name.
func (m *Metric) UnmarshalText(b []byte) error {
	for i, n := range metricNames {
		if n == string(b) {
			*m = Metric(i)
			return nil
		}
	}
	return fmt.Errorf("unknown metric %q (want latency, error rate, throughput or propagation)", b)
}

// percentile reports whether the metric is judged by a percentile of
// samples, and so uses the objective's Quantile.
func (m Metric) percentile() bool { return m == MetricLatency || m == MetricPropagation }

// unit is the unit the metric's budget and observed values are in.
func (m Metric) unit() Unit {
	switch m {
	case MetricErrorRate:
		return UnitRatio
	case MetricThroughput:
		return UnitRate
	}
	return UnitDuration
}
