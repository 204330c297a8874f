package history

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// bruteU counts the pairs in which x's latency is greater, ties as half,
// on the latencies read back from the buckets.
func bruteU(x, y []time.Duration) float64 {
	var u float64
	for _, a := range x {
		for _, b := range y {
			switch {
			case BucketValue(bucket(a)) > BucketValue(bucket(b)):
				u++
			case bucket(a) == bucket(b):
				u += 0.5
			}
		}
	}
	return u
}

func TestGroupedMannWhitneyMatchesPairCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var xs, ys []time.Duration
	var x, y Histogram
	for range 300 {
		d := time.Duration(rng.ExpFloat64() * float64(time.Millisecond))
		xs = append(xs, d)
		x.Add(d)
	}
	for range 200 {
		d := time.Duration(rng.ExpFloat64() * float64(800*time.Microsecond))
		ys = append(ys, d)
		y.Add(d)
	}
	u := bruteU(xs, ys)
	// The p-value from U by hand, with the same tie correction.
	n1, n2 := 300.0, 200.0
	var ties float64
	xc, yc := x.Counts(), y.Counts()
	for i := range xc {
		tt := float64(xc[i] + yc[i])
		ties += tt*tt*tt - tt
	}
	sd := math.Sqrt(n1 * n2 / 12 * ((n1 + n2 + 1) - ties/((n1+n2)*(n1+n2-1))))
	want := 0.5 * math.Erfc((u-n1*n2/2-0.5)/sd/math.Sqrt2)
	if got := greaterP(&x, &y); math.Abs(got-want) > 1e-9 {
		t.Errorf("grouped p = %v, by pair counting %v", got, want)
	}
}

func TestMannWhitneyDirections(t *testing.T) {
	var slow, fast Histogram
	for i := range 100 {
		slow.Add(time.Duration(20+i%10) * time.Millisecond)
		fast.Add(time.Duration(10+i%10) * time.Millisecond)
	}
	if p := greaterP(&slow, &fast); p > 1e-6 {
		t.Errorf("slow greater than fast: p = %v, want tiny", p)
	}
	if p := greaterP(&fast, &slow); p < 0.99 {
		t.Errorf("fast greater than slow: p = %v, want near 1", p)
	}
	if p := lessP(&fast, &slow); p > 1e-6 {
		t.Errorf("fast less than slow: p = %v, want tiny", p)
	}
	var one Histogram
	one.Add(time.Millisecond)
	if p := greaterP(&one, &one); !math.IsNaN(p) {
		t.Errorf("one latency against itself: p = %v, want NaN (no ranks to compare)", p)
	}
	if p := greaterP(&Histogram{}, &slow); !math.IsNaN(p) {
		t.Errorf("empty against slow: p = %v, want NaN", p)
	}
}
