package compare

import (
	"fmt"
	"math"

	"github.com/aclements/go-moremath/stats"
)

// ErrorRates is the comparison of the fractions of requests that failed.
type ErrorRates struct {
	// Baseline and Canary are the error rates, as fractions.
	Baseline float64 `json:"baseline"`
	Canary   float64 `json:"canary"`
	// P is the one-sided Fisher exact p-value that the canary fails more.
	P float64 `json:"p"`
	// Allowed is the difference tolerated: the larger of Tolerance times
	// the baseline's rate and ErrorFloor.
	Allowed float64 `json:"allowed"`
	Verdict Verdict `json:"verdict"`
}

// String writes the rates and the test: "errors 0.4% vs 0.3% (Fisher p =
// 0.41, allowed +0.1%)", the canary's first.
func (e ErrorRates) String() string {
	return fmt.Sprintf("errors %s vs %s (Fisher p %s, allowed +%s)", percent(e.Canary), percent(e.Baseline), PValue(e.P), percent(e.Allowed))
}

// compareErrors tests whether the canary fails more often; both sides have
// requests.
func compareErrors(baseline, canary Sample, o Options) ErrorRates {
	e := ErrorRates{
		Baseline: baseline.errorRate(),
		Canary:   canary.errorRate(),
		P:        fisherGreater(canary.Errors, canary.Requests, baseline.Errors, baseline.Requests),
	}
	e.Allowed = math.Max(o.Tolerance*e.Baseline, o.ErrorFloor)
	e.Verdict = judge(e.P < o.Significance, e.Canary-e.Baseline > e.Allowed)
	return e
}

// fisherGreater is the one-sided Fisher exact p-value of a 2x2 table: the
// chance, with the margins fixed and no difference between the sides, of
// k1 or more of the k1+k2 failures falling among the n1 requests of the
// first side.
func fisherGreater(k1, n1, k2, n2 int) float64 {
	if k1 == 0 {
		return 1
	}
	// The upper tail summed term by term keeps small p-values exact, where
	// 1-CDF would round them to 0.
	d := stats.HypergeometicDist{N: n1 + n2, K: k1 + k2, Draws: n1}
	p := 0.0
	for k := k1; k <= min(n1, k1+k2); k++ {
		p += d.PMF(float64(k))
	}
	return math.Min(1, p)
}
