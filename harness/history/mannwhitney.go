package history

import "math"

// The significance test is Mann-Whitney U on the bucket counts themselves:
// every latency in a bucket takes the bucket's midrank, which is exactly
// the U test on samples reconstructed from the buckets, with the buckets'
// ties corrected for, and costs one pass over the buckets however many
// requests were counted. The p-value uses the normal approximation with
// the tie and continuity corrections; both samples have thousands of
// latencies in a load check, far beyond where that approximation is good.
//
// Because every latency counts as one observation, a large load run makes
// small shifts significant; the tolerance is what keeps those from being
// flagged. Latencies within one run are not independent either (a slow
// minute slows many requests), so p is best read as a guard against noise
// of the sampling, not as an exact error rate.

// greaterP is the one-sided p-value that latencies counted in x are
// stochastically greater than those in y; NaN when either is empty or all
// latencies share one bucket.
func greaterP(x, y *Histogram) float64 {
	n1, n2 := float64(x.Count()), float64(y.Count())
	if n1 == 0 || n2 == 0 {
		return math.NaN()
	}
	xc, yc := x.Counts(), y.Counts()
	var below, rankSum, ties float64
	for i := range xc {
		a, b := float64(xc[i]), float64(yc[i])
		t := a + b
		if t == 0 {
			continue
		}
		mid := below + (t+1)/2
		rankSum += a * mid
		ties += t*t*t - t
		below += t
	}
	n := n1 + n2
	u := rankSum - n1*(n1+1)/2
	mean := n1 * n2 / 2
	variance := n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return math.NaN()
	}
	z := (u - mean - 0.5) / math.Sqrt(variance)
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// lessP is the one-sided p-value that latencies counted in x are
// stochastically smaller than those in y.
func lessP(x, y *Histogram) float64 { return greaterP(y, x) }
