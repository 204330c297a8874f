package result

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketWidthDrawsEveryWindowInAtMostMaxBuckets(t *testing.T) {
	for _, tc := range []struct {
		window, want time.Duration
	}{
		{3 * time.Second, 100 * time.Millisecond},
		{time.Minute, time.Second},
		{10 * time.Minute, time.Second},
		{time.Hour, 6 * time.Second},
		{2*time.Second + 7*time.Millisecond, 67 * time.Millisecond},
		{time.Nanosecond, time.Nanosecond},
		{0, 0},
	} {
		got := BucketWidth(tc.window)
		if got != tc.want {
			t.Errorf("BucketWidth(%s) = %s, want %s", tc.window, got, tc.want)
		}
		if got > 0 && (tc.window+got-1)/got > MaxBuckets {
			t.Errorf("BucketWidth(%s) = %s: more than %d buckets", tc.window, got, MaxBuckets)
		}
	}
	for range 1000 {
		w := time.Duration(rand.Int64N(int64(100 * time.Hour)))
		if got := BucketWidth(w); got <= 0 || (w+got-1)/got > MaxBuckets {
			t.Fatalf("BucketWidth(%s) = %s", w, got)
		}
	}
}

func TestHistogramPutsEachDurationInTheBinThatBoundsIt(t *testing.T) {
	ds := []time.Duration{0, 1, 2, 10, 999 * time.Microsecond, time.Millisecond, time.Millisecond + 1, 3 * time.Second, time.Minute}
	for range 10000 {
		ds = append(ds, time.Duration(rand.Int64N(int64(time.Second))))
	}
	h := NewHistogram(ds)
	if h.Count != len(ds) || h.Min != 0 || h.Max != time.Minute {
		t.Fatalf("count %d, min %s, max %s", h.Count, h.Min, h.Max)
	}
	total := 0
	for i, b := range h.Bins {
		total += b.Count
		if i > 0 && b.Upper <= h.Bins[i-1].Upper {
			t.Fatalf("bins out of order: %v", h.Bins)
		}
	}
	if total != len(ds) {
		t.Fatalf("bins hold %d of %d", total, len(ds))
	}
	for _, d := range ds {
		i := binIndex(d)
		if d > binUpper(i) || (i > 0 && d <= binUpper(i-1)) {
			t.Fatalf("%s in bin %d (%s, %s]", d, i, binUpper(i-1), binUpper(i))
		}
	}
	if len(h.Bins) > 110 {
		t.Errorf("%d bins from 0 to a minute: want ten a decade", len(h.Bins))
	}
	if NewHistogram(nil) != nil {
		t.Error("a histogram of nothing")
	}
}
