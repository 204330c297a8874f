package history

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesStayWithinTheErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var exact []time.Duration
	for range 20000 {
		d := time.Duration(math.Exp(rng.NormFloat64()*2) * float64(5*time.Millisecond))
		d = min(max(d, Floor), Ceiling-1)
		h.Add(d)
		exact = append(exact, d)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
		want := exact[int(math.Ceil(q*float64(len(exact))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > MaxRelativeError {
			t.Errorf("q%v: %v, exact %v: off by %.2f%%, bound %.2f%%", q, got, want, rel*100, MaxRelativeError*100)
		}
	}
	if MaxRelativeError > 0.05 {
		t.Errorf("error bound %.3f, want at most 5%%", MaxRelativeError)
	}
}

func TestHistogramClampsBelowFloorAndAboveCeiling(t *testing.T) {
	var h Histogram
	h.Add(0)
	h.Add(time.Hour)
	if got := h.Quantile(0.5); got != Floor {
		t.Errorf("below the floor reads back as %v, want %v", got, Floor)
	}
	if got := h.Quantile(1); got != Ceiling {
		t.Errorf("above the ceiling reads back as %v, want %v", got, Ceiling)
	}
}

func TestHistogramMergesAndRoundTripsThroughBinary(t *testing.T) {
	var a, b, both Histogram
	for i := range 1000 {
		d := time.Duration(i+1) * 37 * time.Microsecond
		if i%3 == 0 {
			a.Add(d)
		} else {
			b.Add(d)
		}
		both.Add(d)
	}
	a.Merge(&b)
	blob, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Counts(), both.Counts()) || back.Count() != 1000 {
		t.Errorf("merged and read back: %d latencies, counts differ from counting all at once", back.Count())
	}
	if len(blob) > 2*NumBuckets+8 {
		t.Errorf("%d bytes for %d buckets: not compact", len(blob), NumBuckets)
	}
}

func TestHistogramRefusesAnotherBucketLayout(t *testing.T) {
	var h Histogram
	if err := h.UnmarshalBinary([]byte{5, 1, 1}); err == nil {
		t.Error("read a histogram of 5 buckets without error")
	}
	if err := h.UnmarshalBinary(nil); err == nil {
		t.Error("read an empty blob without error")
	}
}

func TestHistogramOfALongLoadStaysSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var h Histogram
	for range 1_500_000 {
		h.Add(time.Duration(math.Exp(rng.NormFloat64()*0.8) * float64(20*time.Millisecond)))
	}
	blob, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1.5M latencies: %d bytes", len(blob))
	if len(blob) > 1024 {
		t.Errorf("1.5M latencies take %d bytes, want at most 1 KiB", len(blob))
	}
}
