package result

import (
	"slices"
	"testing"
	"time"
)

// A bucket keeps its slowest request: one spike among thousands of fast
// answers is its maximum, not averaged away, and the buckets stay as many
// whatever the rate.
func TestSeriesKeepsASpikeAndBoundsItsBuckets(t *testing.T) {
	window := 10 * time.Minute
	b := NewLoadBuilder(window)
	spikeAt := 4*time.Minute + 300*time.Millisecond
	for i := range 3_000_000 {
		sent := time.Duration(i) * window / 3_000_000
		lat := time.Millisecond
		if sent == spikeAt {
			lat = 2 * time.Second
		}
		b.Add(sent, lat, "")
	}
	l := b.Build(nil)
	if n := len(l.Series.Buckets); n != MaxBuckets || l.Series.Width != time.Second {
		t.Fatalf("%d buckets of %s for a 10-minute window: want %d of 1s", n, l.Series.Width, MaxBuckets)
	}
	for i, bk := range l.Series.Buckets {
		want := time.Millisecond
		if i == 240 {
			want = 2 * time.Second
		}
		if bk.Max != want || bk.Requests != 5000 || bk.P99 != time.Millisecond {
			t.Fatalf("bucket %d: %d requests, p99 %s, max %s; want 5000, 1ms, %s", i, bk.Requests, bk.P99, bk.Max, want)
		}
	}
}

// Errors are counted by cause in each bucket, in the order of the
// causes, most frequent first, and add up to the causes' counts.
func TestLoadBuilderCountsErrorsByCause(t *testing.T) {
	b := NewLoadBuilder(3 * time.Second)
	b.Add(0, time.Millisecond, "")
	b.Add(0, 0, "timeout")
	b.Add(2*time.Second, 0, "status 500")
	b.Add(2*time.Second, 0, "status 500")
	b.Add(5*time.Second, 0, "status 500") // past the window: the last bucket
	l := b.Build([]time.Duration{time.Millisecond})
	if len(l.Causes) != 2 || l.Causes[0] != (Cause{"status 500", 3}) || l.Causes[1] != (Cause{"timeout", 1}) {
		t.Fatalf("causes %v", l.Causes)
	}
	bs := l.Series.Buckets
	if len(bs) != 30 || !slices.Equal(bs[0].Errors, []int{0, 1}) || !slices.Equal(bs[20].Errors, []int{2}) || !slices.Equal(bs[29].Errors, []int{1}) {
		t.Fatalf("errors %v %v %v", bs[0].Errors, bs[20].Errors, bs[29].Errors)
	}
	if bs[0].Requests != 2 || bs[0].OK != 1 || bs[0].P50 != time.Millisecond || bs[1].Requests != 0 || bs[1].Max != 0 {
		t.Fatalf("buckets %+v %+v", bs[0], bs[1])
	}
}

// The cost of drawing a 10-minute load at 5000/s: 3 million requests
// counted into 600 buckets, then their percentiles.
func BenchmarkLoadBuilder3MillionRequests(b *testing.B) {
	const n = 3_000_000
	window := 10 * time.Minute
	lat := make([]time.Duration, n)
	for i := range lat {
		lat[i] = time.Millisecond + time.Duration(i%1000)*time.Microsecond
	}
	for b.Loop() {
		lb := NewLoadBuilder(window)
		for i, d := range lat {
			lb.Add(time.Duration(i)*window/n, d, "")
		}
		if l := lb.Build(lat); len(l.Series.Buckets) != MaxBuckets {
			b.Fatalf("%d buckets", len(l.Series.Buckets))
		}
	}
}
