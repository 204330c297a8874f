package result

import (
	"cmp"
	"slices"
	"time"

	"github.com/postflight/postflight/slo"
)

// LoadBuilder draws a load's measured window as requests are counted: a
// Series of at most MaxBuckets buckets whatever the rate, each keeping its
// counts and, until Build, the latencies of its successes.
type LoadBuilder struct {
	window  time.Duration
	width   time.Duration
	buckets []Bucket
	errors  []map[string]int
	lat     [][]time.Duration
}

// NewLoadBuilder returns a builder for a window of the given length.
func NewLoadBuilder(window time.Duration) *LoadBuilder {
	b := &LoadBuilder{window: window, width: BucketWidth(window)}
	n := 0
	if b.width > 0 {
		n = int((window + b.width - 1) / b.width)
	}
	b.buckets = make([]Bucket, n)
	b.errors = make([]map[string]int, n)
	b.lat = make([][]time.Duration, n)
	return b
}

// Add counts one request sent at offset into the window; cause is empty
// for a success. A request sent past the window (an interrupted run's)
// counts in the last bucket.
func (b *LoadBuilder) Add(offset, latency time.Duration, cause string) {
	if len(b.buckets) == 0 {
		return
	}
	i := min(max(int(offset/b.width), 0), len(b.buckets)-1)
	b.buckets[i].Requests++
	if cause == "" {
		b.buckets[i].OK++
		b.lat[i] = append(b.lat[i], latency)
		return
	}
	if b.errors[i] == nil {
		b.errors[i] = map[string]int{}
	}
	b.errors[i][cause]++
}

// Build returns what the window came to: its buckets with their
// percentiles, the causes of the errors (most frequent first), and the
// latency histogram of all the successes, given in any order. Rate is
// left to the caller.
func (b *LoadBuilder) Build(latencies []time.Duration) *Load {
	l := &Load{Window: b.window, Series: Series{Width: b.width, Buckets: b.buckets}, Latency: NewHistogram(latencies)}
	total := map[string]int{}
	for _, errs := range b.errors {
		for c, n := range errs {
			total[c] += n
		}
	}
	for c, n := range total {
		l.Causes = append(l.Causes, Cause{Reason: c, Count: n})
	}
	slices.SortFunc(l.Causes, func(x, y Cause) int { return cmp.Or(y.Count-x.Count, cmp.Compare(x.Reason, y.Reason)) })
	for i := range b.buckets {
		bk := &b.buckets[i]
		if lat := b.lat[i]; len(lat) > 0 {
			slices.Sort(lat)
			bk.P50, bk.P95, bk.P99, bk.Max = slo.Percentile(lat, 0.5), slo.Percentile(lat, 0.95), slo.Percentile(lat, 0.99), lat[len(lat)-1]
		}
		b.lat[i] = nil
		if errs := b.errors[i]; len(errs) > 0 {
			last := 0
			bk.Errors = make([]int, len(l.Causes))
			for j, c := range l.Causes {
				if bk.Errors[j] = errs[c.Reason]; bk.Errors[j] > 0 {
					last = j
				}
			}
			bk.Errors = bk.Errors[:last+1]
		}
	}
	return l
}
