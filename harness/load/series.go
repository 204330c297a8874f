package load

import (
	"cmp"
	"slices"
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// seriesBuilder cuts the measured window into result.Series buckets as
// the collector's records are counted: at most result.MaxBuckets of them
// whatever the rate, each keeping its counts and, until build, the
// latencies of its successes.
type seriesBuilder struct {
	from    time.Time
	width   time.Duration
	buckets []result.Bucket
	errors  []map[Reason]int
	lat     [][]time.Duration
}

func newSeriesBuilder(from time.Time, window time.Duration) *seriesBuilder {
	b := &seriesBuilder{from: from, width: result.BucketWidth(window)}
	n := 0
	if b.width > 0 {
		n = int((window + b.width - 1) / b.width)
	}
	b.buckets = make([]result.Bucket, n)
	b.errors = make([]map[Reason]int, n)
	b.lat = make([][]time.Duration, n)
	return b
}

// add counts one measured request sent at sent; reason is empty for a
// success. A request sent past the window (an interrupted run's) counts
// in the last bucket.
func (b *seriesBuilder) add(sent time.Time, latency time.Duration, reason Reason) {
	if len(b.buckets) == 0 {
		return
	}
	i := min(max(int(sent.Sub(b.from)/b.width), 0), len(b.buckets)-1)
	b.buckets[i].Requests++
	if reason == "" {
		b.buckets[i].OK++
		b.lat[i] = append(b.lat[i], latency)
		return
	}
	if b.errors[i] == nil {
		b.errors[i] = map[Reason]int{}
	}
	b.errors[i][reason]++
}

// build returns what the window came to: its buckets with their
// percentiles, the causes of errors (most frequent first) and the latency
// histogram of the successes, sorted latencies given.
func (b *seriesBuilder) build(window time.Duration, errors map[Reason]int, sortedLatencies []time.Duration) *result.Load {
	l := &result.Load{Window: window, Series: result.Series{Width: b.width, Buckets: b.buckets},
		Latency: result.NewHistogram(sortedLatencies)}
	reasons := make([]Reason, 0, len(errors))
	for r := range errors {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(x, y Reason) int { return cmp.Or(errors[y]-errors[x], cmp.Compare(x, y)) })
	for _, r := range reasons {
		l.Causes = append(l.Causes, result.Cause{Reason: string(r), Count: errors[r]})
	}
	for i := range b.buckets {
		bk := &b.buckets[i]
		if lat := b.lat[i]; len(lat) > 0 {
			slices.Sort(lat)
			bk.P50, bk.P95, bk.P99, bk.Max = slo.Percentile(lat, 0.5), slo.Percentile(lat, 0.95), slo.Percentile(lat, 0.99), lat[len(lat)-1]
		}
		b.lat[i] = nil
		if errs := b.errors[i]; len(errs) > 0 {
			last := 0
			bk.Errors = make([]int, len(reasons))
			for j, r := range reasons {
				if bk.Errors[j] = errs[r]; errs[r] > 0 {
					last = j
				}
			}
			bk.Errors = bk.Errors[:last+1]
		}
	}
	return l
}
