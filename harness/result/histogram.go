package result

import (
	"math"
	"time"
)

// binsPerDecade is how finely a Histogram cuts durations: each bin's upper
// bound is 10^(1/10), about 1.26, times its lower one.
const binsPerDecade = 10

// Histogram is a distribution of durations in log-spaced bins, ten to a
// decade: a few dozen numbers for any count, small enough for every report.
type Histogram struct {
	// Count is the number of durations; Min and Max the extremes, exact.
	Count int           `json:"count"`
	Min   time.Duration `json:"min_ns"`
	Max   time.Duration `json:"max_ns"`
	// Bins are the bins that hold a duration, ascending.
	Bins []Bin `json:"bins"`
}

// Bin counts the durations above the previous bin's upper bound and at
// most its own.
type Bin struct {
	Upper time.Duration `json:"le_ns"`
	Count int           `json:"count"`
}

// NewHistogram bins durations given in any order; it returns nil for none.
func NewHistogram(ds []time.Duration) *Histogram {
	if len(ds) == 0 {
		return nil
	}
	h := &Histogram{Count: len(ds), Min: ds[0], Max: ds[0]}
	counts := map[int]int{}
	lo, hi := binIndex(ds[0]), binIndex(ds[0])
	for _, d := range ds {
		h.Min, h.Max = min(h.Min, d), max(h.Max, d)
		i := binIndex(d)
		counts[i]++
		lo, hi = min(lo, i), max(hi, i)
	}
	for i := lo; i <= hi; i++ {
		if n := counts[i]; n > 0 {
			h.Bins = append(h.Bins, Bin{Upper: binUpper(i), Count: n})
		}
	}
	return h
}

// binIndex is the bin of d: the smallest i with d <= binUpper(i). A
// duration of a nanosecond or less is in bin 0.
func binIndex(d time.Duration) int {
	if d <= 1 {
		return 0
	}
	i := int(math.Ceil(math.Log10(float64(d)) * binsPerDecade))
	// Floating point may put a bound itself one bin too high or low.
	for i > 0 && d <= binUpper(i-1) {
		i--
	}
	for d > binUpper(i) {
		i++
	}
	return i
}

// binUpper is bin i's upper bound: 10^(i/10) ns, rounded down.
func binUpper(i int) time.Duration {
	return time.Duration(math.Pow(10, float64(i)/binsPerDecade))
}
