package compare

import (
	"errors"
	"fmt"
	"time"
)

// Options are the knobs of a comparison. Start from DefaultOptions: the zero
// value is invalid.
type Options struct {
	// Significance is the level each test is held to: p below it (or the
	// interval's lower bound above zero) is significant. In (0, 0.5).
	Significance float64
	// Tolerance is the relative effect allowed: 0.05 lets the canary's
	// median, p99 or error rate exceed the baseline's by 5%.
	Tolerance float64
	// Floor is the smallest latency effect ever flagged, whatever the
	// Tolerance: a shift of 0.3 ms on a 2 ms service is 15% and nothing.
	Floor time.Duration
	// ErrorFloor is the smallest error-rate difference ever flagged, as a
	// fraction (0.001 is 0.1 percentage points). It is what holds a canary
	// with errors to a baseline without any, where Tolerance allows nothing.
	ErrorFloor float64
	// MinSamples is the fewest latencies a side needs for any verdict.
	MinSamples int
	// Resamples is the number of bootstrap resamples of the p99 interval.
	Resamples int
	// Pairs is the most pairs the Hodges-Lehmann shift uses; beyond, it
	// draws that many at random.
	Pairs int
	// Seed seeds every random draw.
	Seed uint64
}

// The defaults.
const (
	DefaultSignificance = 0.01
	DefaultTolerance    = 0.05
	DefaultFloor        = time.Millisecond
	DefaultErrorFloor   = 0.001
	DefaultMinSamples   = 20
	DefaultResamples    = 2000
	DefaultPairs        = 100_000
	DefaultSeed         = 1
)

// DefaultOptions returns the options a comparison uses unless told
// otherwise.
func DefaultOptions() Options {
	return Options{
		Significance: DefaultSignificance,
		Tolerance:    DefaultTolerance,
		Floor:        DefaultFloor,
		ErrorFloor:   DefaultErrorFloor,
		MinSamples:   DefaultMinSamples,
		Resamples:    DefaultResamples,
		Pairs:        DefaultPairs,
		Seed:         DefaultSeed,
	}
}

// Validate reports every invalid option at once.
func (o Options) Validate() error {
	var errs []error
	if !(o.Significance > 0 && o.Significance < 0.5) {
		errs = append(errs, fmt.Errorf("significance %v: want 0 < significance < 0.5", o.Significance))
	}
	if !(o.Tolerance >= 0) {
		errs = append(errs, fmt.Errorf("tolerance %v: want 0 or more", o.Tolerance))
	}
	if o.Floor < 0 {
		errs = append(errs, fmt.Errorf("floor %v: want 0 or more", o.Floor))
	}
	if !(o.ErrorFloor >= 0 && o.ErrorFloor < 1) {
		errs = append(errs, fmt.Errorf("error floor %v: want 0 <= floor < 1", o.ErrorFloor))
	}
	if o.MinSamples < 2 {
		errs = append(errs, fmt.Errorf("min samples %d: want 2 or more", o.MinSamples))
	}
	if o.Resamples < 100 {
		errs = append(errs, fmt.Errorf("resamples %d: want 100 or more", o.Resamples))
	}
	if o.Pairs < 1000 {
		errs = append(errs, fmt.Errorf("pairs %d: want 1000 or more", o.Pairs))
	}
	return errors.Join(errs...)
}
