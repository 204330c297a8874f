package load

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/result"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Result is what a load run measured. Everything but WarmupRequests and
// Aborted is about the measured window: warm-up requests are left out.
//
// To tell a target that could not be measured from one that answered wrong:
// when Requests > 0 and Answered == 0, no request got any HTTP answer (every
// error is a transport one: refused, reset, timeout): inconclusive. Failures
// with Answered > 0 are answers that came back wrong, and requests that got
// no answer from a target that answered others.
type Result struct {
	// Requests is the number of measured requests that completed, with or
	// without an answer.
	Requests int
	// Successes got an answer in time that their target's Judge found as
	// expected (by default a 2xx or 3xx status).
	Successes int
	// Failures is Requests - Successes.
	Failures int
	// Answered is the number of requests that got an HTTP answer, right or
	// wrong.
	Answered int
	// Errors counts the failures by reason.
	Errors map[Reason]int
	// TargetRequests counts Requests by target, in Spec.Targets' order: a
	// target with none was not measured at all.
	TargetRequests []int
	// ErrorExamples holds one example per reason: the error message, or
	// what the Judge showed of a wrong answer.
	ErrorExamples map[Reason]string

	// Latencies holds the latency of every successful measured request,
	// sorted ascending: percentiles are the caller's to compute. A failure's
	// latency is that of a refusal, a timeout or a wrong answer, not of the
	// service, and is left out.
	Latencies []time.Duration
	// Window is the measured window: from the end of the warm-up to the end
	// of sending (Spec.Duration, or less if interrupted).
	Window time.Duration
	// Load is the window for reports to draw: at most result.MaxBuckets
	// buckets over time (requests, errors by cause, latency percentiles
	// and maximum, by when each request was sent), the latency histogram
	// and the causes of errors. Its Rate, the rate asked, is the caller's.
	Load *result.Load
	// Sent is the number of requests sent in the window, those cut short by
	// an interruption included.
	Sent int
	// Rate is Sent per second of Window: the rate actually achieved.
	Rate float64
	// Throughput is the number of successful requests per second of Window.
	Throughput float64
	// PeakInFlight is the most requests in flight at once, warm-up included.
	PeakInFlight int
	// MaxWorkers is Spec.MaxWorkers: the cap on requests in flight, zero for
	// none.
	MaxWorkers uint64
	// Vegeta holds vegeta's own figures for the same requests, for
	// comparison: its percentiles are t-digest estimates, not exact, and
	// count every request, failures included.
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

// Shortfall says whether the rate achieved fell short of asked by more than
// tolerance (a fraction of asked) and one request, and if so says so: asked
// and achieved, and why when it is known.
func (r *Result) Shortfall(asked, tolerance float64) (string, bool) {
	want := asked * r.Window.Seconds()
	if float64(r.Sent) >= want*(1-tolerance)-1 {
		return "", false
	}
	why := fmt.Sprintf("sent %.4g/s of the %.4g/s asked (%d requests in %s, want %.0f)",
		r.Rate, asked, r.Sent, r.Window.Round(time.Millisecond), want)
	switch {
	case r.Interrupted:
		why += ": interrupted"
	case r.MaxWorkers > 0 && r.PeakInFlight >= int(r.MaxWorkers):
		why += fmt.Sprintf(": all %d workers were busy", r.MaxWorkers)
	default:
		why += fmt.Sprintf(": the load generator fell behind (%d requests in flight at most)", r.PeakInFlight)
	}
	return why, true
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

// record is what is kept of one measured request: never its body.
type record struct {
	sent    time.Time
	latency time.Duration
	code    uint16
	target  int // index in Spec.Targets; -1 for a request vegeta could not send
	outcome
}

// collector judges vegeta's results as they come back, and keeps of each
// only its record, and of each reason its count and first example.
type collector struct {
	measureFrom time.Time
	judges      map[string]Judge // by the URL vegeta was given (see markURL)
	index       map[string]int   // the target's index, by the same URL
	unmark      *strings.Replacer
	records     []record
	reasons     map[Reason]Reason // each reason counted, to its one copy
	examples    map[Reason]string
	warmup      int
	errors      int // failed so far, warm-up included, for progress reports
	targets     int
}

func newCollector(measureFrom time.Time, ts []Target) *collector {
	c := &collector{measureFrom: measureFrom, judges: map[string]Judge{}, index: map[string]int{},
		reasons: map[Reason]Reason{}, examples: map[Reason]string{}, targets: len(ts)}
	var marks []string
	for i, t := range ts {
		marked := markURL(t.URL, i)
		c.judges[marked], c.index[marked] = t.judge(), i
		marks = append(marks, marked, t.URL)
	}
	c.unmark = strings.NewReplacer(marks...)
	return c
}

// add judges one result: a warm-up one is only counted.
func (c *collector) add(r *vegeta.Result) {
	j, ok := c.judges[r.URL]
	if !ok {
		j = judgeStatus // a request vegeta could not send has no URL
	}
	o := judge(r, j)
	if o.reason != "" {
		c.errors++
	}
	if r.Timestamp.Before(c.measureFrom) {
		c.warmup++
		return
	}
	if o.reason != "" {
		o.reason = c.intern(o)
	}
	o.example = ""
	target, ok := c.index[r.URL]
	if !ok {
		target = -1
	}
	c.records = append(c.records, record{sent: r.Timestamp, latency: r.Latency, code: r.Code, target: target, outcome: o})
}

// intern returns the reason to count o under, keeping its example if it
// is the first of its reason. Every record of a reason shares one string,
// however long the Judge made it, and there are at most maxReasons of
// them, besides ReasonOtherWrong.
func (c *collector) intern(o outcome) Reason {
	r := o.reason
	if len(r) > maxReasonLen {
		r = r[:maxReasonLen-3] + "..."
	}
	if k, seen := c.reasons[r]; seen {
		return k
	}
	if len(c.reasons) >= maxReasons && o.answered {
		r = ReasonOtherWrong
		if k, seen := c.reasons[r]; seen {
			return k
		}
	}
	r = Reason(strings.Clone(string(r)))
	c.reasons[r] = r
	c.examples[r] = c.unmark.Replace(o.example)
	return r
}

// result computes the figures of the window from measureFrom to end.
// interruptedAt is when the context ended the run, zero if it did not.
func (c *collector) result(end, interruptedAt time.Time) *Result {
	res := &Result{
		Errors:         map[Reason]int{},
		ErrorExamples:  map[Reason]string{},
		Latencies:      make([]time.Duration, 0, len(c.records)),
		TargetRequests: make([]int, c.targets),
		WarmupRequests: c.warmup,
		Interrupted:    !interruptedAt.IsZero(),
	}
	var m vegeta.Metrics
	window := max(end.Sub(c.measureFrom), 0)
	drawn := result.NewLoadBuilder(window)
	for _, r := range c.records {
		if r.sent.Before(end) {
			res.Sent++
		}
		if res.Interrupted && r.aborted && !r.sent.Add(r.latency).Before(interruptedAt) {
			res.Aborted++
			continue
		}
		if r.aborted {
			// Cut short, but not by the interruption: count it, unexplained.
			r.reason = ReasonOther
			c.examples[r.reason] = cmp.Or(c.examples[r.reason], "request cancelled")
		}
		res.Requests++
		if r.target >= 0 {
			res.TargetRequests[r.target]++
		}
		if r.answered {
			res.Answered++
		}
		m.Add(&vegeta.Result{Code: r.code, Timestamp: r.sent, Latency: r.latency, Error: string(r.reason)})
		drawn.Add(r.sent.Sub(c.measureFrom), r.latency, string(r.reason))
		if r.reason == "" {
			res.Successes++
			res.Latencies = append(res.Latencies, r.latency)
			continue
		}
		res.Failures++
		res.Errors[r.reason]++
		res.ErrorExamples[r.reason] = c.examples[r.reason]
	}
	slices.Sort(res.Latencies)

	if res.Window = window; res.Window > 0 {
		res.Rate = float64(res.Sent) / res.Window.Seconds()
		res.Throughput = float64(res.Successes) / res.Window.Seconds()
	}
	res.Load = drawn.Build(res.Latencies)

	m.Close()
	res.Vegeta = VegetaSummary{
		P50: m.Latencies.P50, P90: m.Latencies.P90, P95: m.Latencies.P95, P99: m.Latencies.P99,
		Mean: m.Latencies.Mean, Min: m.Latencies.Min, Max: m.Latencies.Max,
		Rate: m.Rate, Throughput: m.Throughput,
	}
	return res
}
