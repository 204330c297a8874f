package slo

import (
	"math"
	"time"
)

// Percentile returns the q-quantile of sorted by the nearest-rank method:
// the smallest sample such that at least a fraction q of the samples are at
// or below it, which is sorted[ceil(q*n)-1] for n samples. It always returns
// one of the samples, never an interpolation: a reported p99 is a latency
// some request actually had.
//
// sorted must be in ascending order. q is clamped to [0, 1]: 0 and below give
// the minimum, 1 and above the maximum. An empty slice, or a NaN q, gives 0.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return 0
	}
	return sorted[rank(n, q)-1]
}

// rank is the nearest rank, from 1 to n, of the q-quantile of n samples; n
// must be at least 1 and q not NaN.
func rank(n int, q float64) int {
	x := q * float64(n)
	// 0.99*100 may come out a hair above 99: shave the noise before rounding
	// up, or p99 of 100 samples would be the maximum.
	r := int(math.Ceil(x - math.Abs(x)*1e-12))
	return min(max(r, 1), n)
}
