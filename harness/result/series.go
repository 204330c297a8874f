package result

import (
	"time"

	"github.com/postflight/postflight/internal/safetext"
)

// MaxBuckets bounds a Series: a load of any rate and duration is drawn
// from at most this many buckets.
const MaxBuckets = 600

// Load is what a load check measured beyond its objectives, for reports
// to draw: the window over time, the latency distribution, the errors.
type Load struct {
	// Rate is the rate asked for, per second.
	Rate float64 `json:"rate"`
	// Window is the measured window, warm-up left out.
	Window time.Duration `json:"window_ns"`
	Series Series        `json:"series"`
	// Latency is the distribution of the successes' latencies.
	Latency *Histogram `json:"latency,omitempty"`
	// Causes are the causes of the failed requests, most frequent first.
	Causes []Cause `json:"causes,omitempty"`
}

// Cause is one cause of failed requests and how many it failed.
type Cause struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Series is a measured window cut into buckets of equal width, by when each
// request was sent.
type Series struct {
	Width   time.Duration `json:"bucket_ns"`
	Buckets []Bucket      `json:"buckets"`
}

// Bucket is what the requests sent in one bucket of a Series came to.
type Bucket struct {
	// Requests completed, with or without an answer; OK were as expected.
	Requests int `json:"requests"`
	OK       int `json:"ok"`
	// Errors counts the failures by cause, in the order of Load.Causes:
	// Errors[i] failed for Causes[i]. Trailing zeros are left out.
	Errors []int `json:"errors,omitempty"`
	// Latency percentiles and maximum of the bucket's successes (nearest
	// rank, as the objectives'); zero when it has none.
	P50 time.Duration `json:"p50_ns,omitempty"`
	P95 time.Duration `json:"p95_ns,omitempty"`
	P99 time.Duration `json:"p99_ns,omitempty"`
	Max time.Duration `json:"max_ns,omitempty"`
}

// BucketWidth is the width of a Series' buckets for a window: per second
// for a window of a few minutes, no finer than a thirtieth of a short
// window (so a 3 s load still draws a line), and wider for a long one, so
// that there are never more than MaxBuckets.
func BucketWidth(window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	w := max(ceilDiv(window, MaxBuckets), min(time.Second, window/30))
	return max(w.Round(time.Millisecond), ceilDiv(window, MaxBuckets), 1)
}

func ceilDiv(d time.Duration, n int64) time.Duration {
	return time.Duration((int64(d) + n - 1) / n)
}

// safe returns l with its causes made safe for a report: a cause may
// quote what the service answered.
func (l *Load) safe() *Load {
	if l == nil {
		return nil
	}
	out := *l
	out.Causes = make([]Cause, len(l.Causes))
	for i, c := range l.Causes {
		out.Causes[i] = Cause{Reason: safetext.Text(c.Reason, maxResultText), Count: c.Count}
	}
	return &out
}
