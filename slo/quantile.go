package slo

import (
	"fmt"
	"math"
	"strings"
)

// Quantile is the fraction of samples a percentile objective speaks for:
// P99 is 0.99, the value 99% of samples are at or under. Max is 1.
type Quantile float64

// The percentiles plans name. Any quantile in (0, 1] works; these are the
// ones people write.
const (
	P50  Quantile = 0.50
	P90  Quantile = 0.90
	P95  Quantile = 0.95
	P99  Quantile = 0.99
	P999 Quantile = 0.999
	Max  Quantile = 1
)

const quantileExample = "want p50, p90, p95, p99, p99.9 or max"

// ParseQuantile reads a percentile as plans write it: "p50", "p95", "p99.9"
// or "max". Any "pN" with 0 < N < 100 is accepted; p100 is spelled "max".
func ParseQuantile(s string) (Quantile, error) {
	if s == "max" {
		return Max, nil
	}
	num, ok := strings.CutPrefix(s, "p")
	if !ok || !isDecimal(num) || num[0] == '-' || num[0] == '+' {
		return 0, fmt.Errorf("invalid percentile %q: %s", s, quantileExample)
	}
	v, err := parseScaled(num, -2)
	if err != nil || v <= 0 || v >= 1 {
		return 0, fmt.Errorf("percentile %q out of range: want p0 < pN < p100, or max", s)
	}
	return Quantile(v), nil
}

// String writes the quantile as plans do: "p99", "p99.9", "max".
func (q Quantile) String() string {
	if q == Max {
		return "max"
	}
	return "p" + formatDecimal(float64(q)*100)
}

// Valid reports whether q lies in (0, 1].
func (q Quantile) Valid() bool { return q > 0 && q <= 1 }

// MinSamples is the fewest samples that can judge the q-quantile:
// ceil(1/(1-q)), and 1 for the maximum. p50 needs 2, p90 10, p95 20, p99
// 100, p99.9 1000.
//
// The rule: with fewer than 1/(1-q) samples, the top 1-q of them is less than
// one sample, so the nearest-rank q-quantile is simply the largest sample
// (the "p99" of 42 samples is their max). It says nothing about the
// percentile asked for, and must not pass a budget on its behalf.
func (q Quantile) MinSamples() int {
	if q >= 1 || !(q > 0) {
		return 1
	}
	return ceilInverse(1 - float64(q))
}

// ceilInverse is ceil(1/f) for f in (0, 1], at least 1. 1/(1-0.9) is
// 10.000000000000002 in floating point: the noise is shaved before rounding
// up, or p90 would need 11 samples.
func ceilInverse(f float64) int {
	x := 1 / f
	return max(1, int(math.Ceil(x-x*1e-9)))
}
