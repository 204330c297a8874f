package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/postflight/postflight/slo"
)

// Tail is the comparison of the p99s, so a heavier tail counts even when
// the median does not move.
type Tail struct {
	// Measured is false when a side has fewer than slo.P99.MinSamples()
	// latencies: the rest of the Tail is then empty.
	Measured bool `json:"measured"`
	// Baseline and Canary are the p99s (nearest rank); Diff is
	// Canary-Baseline.
	Baseline time.Duration `json:"baseline_ns"`
	Canary   time.Duration `json:"canary_ns"`
	Diff     time.Duration `json:"diff_ns"`
	// Low and High bound the bootstrap interval of Diff at Confidence
	// (1-2*Significance), from Resamples resamples.
	Low        time.Duration `json:"low_ns"`
	High       time.Duration `json:"high_ns"`
	Confidence float64       `json:"confidence"`
	Resamples  int           `json:"resamples"`
	// Allowed is the difference tolerated: the larger of Tolerance times
	// the baseline's p99 and Floor.
	Allowed time.Duration `json:"allowed_ns"`
	Verdict Verdict       `json:"verdict"`
}

// compareTail bootstraps the difference of the p99s; both sides sorted.
func compareTail(baseline, canary []time.Duration, o Options, rng *rand.Rand) Tail {
	need := slo.P99.MinSamples()
	if len(baseline) < need || len(canary) < need {
		return Tail{Verdict: Inconclusive}
	}
	t := Tail{
		Measured:   true,
		Baseline:   slo.Percentile(baseline, float64(slo.P99)),
		Canary:     slo.Percentile(canary, float64(slo.P99)),
		Confidence: 1 - 2*o.Significance,
		Resamples:  o.Resamples,
	}
	t.Diff = t.Canary - t.Baseline
	diffs := make([]time.Duration, o.Resamples)
	bs, cs := newResampler(baseline), newResampler(canary)
	for i := range diffs {
		diffs[i] = cs.p99(rng) - bs.p99(rng)
	}
	slices.Sort(diffs)
	t.Low = diffs[quantileIndex(len(diffs), o.Significance)]
	t.High = diffs[quantileIndex(len(diffs), 1-o.Significance)]
	t.Allowed = allowed(t.Baseline, o)
	t.Verdict = judge(t.Low > 0, t.Diff > t.Allowed)
	return t
}

// quantileIndex is the index of the q-quantile (nearest rank) of n sorted
// values.
func quantileIndex(n int, q float64) int {
	return min(max(int(q*float64(n)), 0), n-1)
}

// resampler draws the p99 of a bootstrap resample of a sorted sample
// without drawing the whole resample. A resample of n draws with
// replacement puts a multinomial count on each sample; those counts are
// drawn from the largest sample down, each binomial given the draws left
// (the count of the largest is Binomial(n, 1/n), of the next Binomial(n-c,
// 1/(n-1)), and so on), until enough draws lie at or above the p99's rank.
// The resample is the same in distribution, at a cost of a few samples
// rather than n.
type resampler struct {
	sorted []time.Duration
	// fromTop is how many of the largest drawn values lie at or above the
	// p99 by nearest rank.
	fromTop int
}

func newResampler(sorted []time.Duration) *resampler {
	n := len(sorted)
	return &resampler{sorted: sorted, fromTop: n - rankOf(n, float64(slo.P99)) + 1}
}

// rankOf is the 1-based nearest rank of the q-quantile of n values, the
// one slo.Percentile returns (found by asking it for positions).
func rankOf(n int, q float64) int {
	ix := make([]time.Duration, n)
	for i := range ix {
		ix[i] = time.Duration(i + 1)
	}
	return int(slo.Percentile(ix, q))
}

func (r *resampler) p99(rng *rand.Rand) time.Duration {
	n := len(r.sorted)
	left, seen := n, 0
	for i := n - 1; i > 0; i-- {
		seen += binomial(rng, left, 1/float64(i+1))
		if seen >= r.fromTop {
			return r.sorted[i]
		}
		left = n - seen
	}
	return r.sorted[0]
}

// binomial draws from Binomial(m, p) by inversion, which takes about m*p+1
// steps: cheap here, where m*p is about 1.
func binomial(rng *rand.Rand, m int, p float64) int {
	if p >= 1 {
		return m
	}
	u := rng.Float64()
	prob := math.Pow(1-p, float64(m))
	cdf := prob
	k := 0
	for u > cdf && k < m {
		prob *= float64(m-k) / float64(k+1) * p / (1 - p)
		k++
		cdf += prob
	}
	return k
}
