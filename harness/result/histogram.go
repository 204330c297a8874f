package result

import (
	"math"
	"slices"
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
	counts := make([]int, len(binUppers)+1)
	for _, d := range ds {
		h.Min, h.Max = min(h.Min, d), max(h.Max, d)
		counts[binIndex(d)]++
	}
	for i, n := range counts {
		if n > 0 {
			// The bin past the table ends at the longest duration.
			h.Bins = append(h.Bins, Bin{Upper: min(binUpper(i), max(h.Max, binUppers[len(binUppers)-1])), Count: n})
		}
	}
	return h
}

// binUppers are the bins' upper bounds, 1 ns to about 1000 s: 10^(i/10)
// ns, rounded down. A duration above the last is in one more bin.
var binUppers = func() []time.Duration {
	u := make([]time.Duration, 13*binsPerDecade+1)
	for i := range u {
		u[i] = time.Duration(math.Pow(10, float64(i)/binsPerDecade))
	}
	return u
}()

// binIndex is the bin of d: the smallest i with d <= binUpper(i). A
// duration of a nanosecond or less is in bin 0.
func binIndex(d time.Duration) int {
	i, _ := slices.BinarySearch(binUppers, d)
	return i
}

// binUpper is bin i's upper bound; the bin past the table holds every
// longer duration.
func binUpper(i int) time.Duration {
	if i < len(binUppers) {
		return binUppers[i]
	}
	return math.MaxInt64
}
