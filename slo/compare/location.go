package compare

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aclements/go-moremath/stats"
)

// Location is the comparison of where the bulk of the latencies lie.
type Location struct {
	// U is the Mann-Whitney U of the canary against the baseline, P its
	// one-sided p-value (the canary is slower).
	U float64 `json:"u"`
	P float64 `json:"p"`
	// Shift is the Hodges-Lehmann estimate of how much slower the canary
	// is: the median of the pairwise differences canary-baseline.
	Shift time.Duration `json:"shift_ns"`
	// Low and High bound the shift's distribution-free interval at
	// Confidence (1-2*Significance): the order statistics of the pairwise
	// differences that the Mann-Whitney distribution puts there (normal
	// approximation), taken from the pairs drawn when Sampled.
	Low        time.Duration `json:"low_ns"`
	High       time.Duration `json:"high_ns"`
	Confidence float64       `json:"confidence"`
	// Pairs is the number of pairs the shift is the median of; Sampled says
	// they were drawn at random rather than all n1*n2 of them.
	Pairs   int  `json:"pairs"`
	Sampled bool `json:"sampled"`
	// Allowed is the shift tolerated: the larger of Tolerance times the
	// baseline's median and Floor.
	Allowed time.Duration `json:"allowed_ns"`
	Verdict Verdict       `json:"verdict"`
}

// compareLocation tests whether canary is slower than baseline; both sorted
// and non-empty.
func compareLocation(baseline, canary []time.Duration, o Options, rng *rand.Rand) (Location, error) {
	var l Location
	u, err := stats.MannWhitneyUTest(seconds(canary), seconds(baseline), stats.LocationGreater)
	switch {
	case errors.Is(err, stats.ErrSamplesEqual):
		// Every latency on both sides is the same: no shift at all.
		l.U, l.P = float64(len(canary)*len(baseline))/2, 1
	case err != nil:
		return l, err
	default:
		l.U, l.P = u.U, u.P
	}
	var diffs []time.Duration
	diffs, l.Sampled = pairDiffs(baseline, canary, o.Pairs, rng)
	l.Shift, l.Pairs = median(diffs), len(diffs)
	l.Confidence = 1 - 2*o.Significance
	l.Low, l.High = shiftInterval(diffs, len(baseline), len(canary), o.Significance)
	l.Allowed = allowed(median(baseline), o)
	l.Verdict = judge(l.P < o.Significance, l.Shift > l.Allowed)
	return l, nil
}

// pairDiffs are the differences canary[j]-baseline[i], sorted, of all
// pairs, or of limit pairs drawn at random when there are more: their
// median is the Hodges-Lehmann shift.
func pairDiffs(baseline, canary []time.Duration, limit int, rng *rand.Rand) (diffs []time.Duration, sampled bool) {
	n1, n2 := len(baseline), len(canary)
	if n1*n2 <= limit {
		diffs = make([]time.Duration, 0, n1*n2)
		for _, c := range canary {
			for _, b := range baseline {
				diffs = append(diffs, c-b)
			}
		}
	} else {
		sampled = true
		diffs = make([]time.Duration, limit)
		for k := range diffs {
			diffs[k] = canary[rng.IntN(n2)] - baseline[rng.IntN(n1)]
		}
	}
	slices.Sort(diffs)
	return diffs, sampled
}

// shiftInterval bounds the shift with two-sided confidence 1-2*alpha: of
// the n1*n2 sorted differences, the C-th from each end, C being the
// lower alpha point of U under no shift (normal approximation, without
// the correction for ties). From sampled differences, the same fraction
// from each end.
func shiftInterval(sorted []time.Duration, n1, n2 int, alpha float64) (low, high time.Duration) {
	mn := float64(n1) * float64(n2)
	c := mn/2 - stats.StdNormal.InvCDF(1-alpha)*math.Sqrt(mn*float64(n1+n2+1)/12)
	n := len(sorted)
	k := min(max(int(math.Ceil(c/mn*float64(n))), 1), n) // 1-based rank from each end
	return sorted[k-1], sorted[n-k]
}

// median of sorted, halfway between the middle two for an even count.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return sorted[n/2-1] + (sorted[n/2]-sorted[n/2-1])/2
}

// allowed is the latency effect tolerated against a baseline value.
func allowed(base time.Duration, o Options) time.Duration {
	return max(time.Duration(o.Tolerance*float64(base)), o.Floor)
}

func seconds(d []time.Duration) []float64 {
	s := make([]float64, len(d))
	for i, v := range d {
		s[i] = v.Seconds()
	}
	return s
}
