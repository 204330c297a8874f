package load

import (
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Result is what a load run measured. Everything but WarmupRequests and
// Aborted is about the measured window: warm-up requests are left out.
//
// To tell a target that could not be measured from one that answered wrong:
// when Requests > 0 and Answered == 0, no request got any HTTP answer (every
// error is a transport one: refused, reset, timeout) and the latency figures
// describe failures to connect, not the service: inconclusive. Failures with
// Answered > 0 are answers that came back wrong.
type Result struct {
	// Requests is the number of measured requests that completed, with or
	// without an answer.
	Requests int
	// Successes got a 2xx or 3xx answer in time.
	Successes int
	// Failures is Requests - Successes.
	Failures int
	// Answered is the number of requests that got an HTTP answer, whatever
	// its status.
	Answered int
	// Errors counts the failures by reason.
	Errors map[Reason]int
	// ErrorExamples holds one full error message per reason.
	ErrorExamples map[Reason]string

	// Latencies holds the latency of every measured request, successful or
	// not, sorted ascending: percentiles are the caller's to compute.
	Latencies []time.Duration
	// Window is the measured window: from the end of the warm-up to the end
	// of sending (Spec.Duration, or less if interrupted).
	Window time.Duration
	// Rate is the number of measured requests per second of Window.
	Rate float64
	// Throughput is the number of successful requests per second of Window.
	Throughput float64
	// Vegeta holds vegeta's own figures for the same requests, for
	// comparison: its percentiles are t-digest estimates, not exact.
	Vegeta VegetaSummary

	// WarmupRequests is the number of warm-up requests, not in the figures.
	WarmupRequests int
	// Interrupted says the context ended the run before it was done: sending
	// stopped early, or requests in flight were cut short.
	Interrupted bool
	// Aborted is the number of requests cut short by the interruption; they
	// say nothing about the target and are not in the figures.
	Aborted int
}

// VegetaSummary is vegeta.Metrics' view of the measured requests.
type VegetaSummary struct {
	P50, P90, P95, P99, Mean, Min, Max time.Duration
	// Rate is requests per second between the first and last request sent.
	Rate float64
	// Throughput is successes per second between the first request sent
	// and the last answer.
	Throughput float64
}

// record is what is kept of one vegeta result: not its body or headers.
type record struct {
	sent    time.Time
	latency time.Duration
	code    uint16
	err     string
}

// collector gathers vegeta's results as they come back.
type collector struct {
	measureFrom time.Time
	records     []record
	warmup      int
	errors      int // failed so far, warm-up included, for progress reports
}

// add takes one result: a warm-up one is only counted.
func (c *collector) add(r *vegeta.Result) {
	if r.Error != "" && !abortedByUs(r.Error) {
		c.errors++
	}
	if r.Timestamp.Before(c.measureFrom) {
		c.warmup++
		return
	}
	c.records = append(c.records, record{sent: r.Timestamp, latency: r.Latency, code: r.Code, err: r.Error})
}

// result computes the figures of the window from measureFrom to end.
// interruptedAt is when the context ended the run, zero if it did not.
func (c *collector) result(end, interruptedAt time.Time) *Result {
	res := &Result{
		Errors:         map[Reason]int{},
		ErrorExamples:  map[Reason]string{},
		Latencies:      make([]time.Duration, 0, len(c.records)),
		WarmupRequests: c.warmup,
		Interrupted:    !interruptedAt.IsZero(),
	}
	var m vegeta.Metrics
	for _, r := range c.records {
		if res.Interrupted && r.code == 0 && abortedByUs(r.err) && !r.sent.Add(r.latency).Before(interruptedAt) {
			res.Aborted++
			continue
		}
		res.Requests++
		res.Latencies = append(res.Latencies, r.latency)
		m.Add(&vegeta.Result{Code: r.code, Timestamp: r.sent, Latency: r.latency, Error: r.err})
		if r.code != 0 {
			res.Answered++
		}
		if r.err == "" {
			res.Successes++
			continue
		}
		res.Failures++
		reason := classify(r.code, r.err)
		res.Errors[reason]++
		if _, ok := res.ErrorExamples[reason]; !ok {
			res.ErrorExamples[reason] = r.err
		}
	}
	slices.Sort(res.Latencies)

	if res.Window = end.Sub(c.measureFrom); res.Window > 0 {
		res.Rate = float64(res.Requests) / res.Window.Seconds()
		res.Throughput = float64(res.Successes) / res.Window.Seconds()
	} else {
		res.Window = 0
	}

	m.Close()
	res.Vegeta = VegetaSummary{
		P50: m.Latencies.P50, P90: m.Latencies.P90, P95: m.Latencies.P95, P99: m.Latencies.P99,
		Mean: m.Latencies.Mean, Min: m.Latencies.Min, Max: m.Latencies.Max,
		Rate: m.Rate, Throughput: m.Throughput,
	}
	return res
}
