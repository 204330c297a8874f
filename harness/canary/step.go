package canary

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Step is one step of a rollout as a plan asks for it.
type Step struct {
	// Percent is the share of the tasks on the new version, in (0, 100].
	Percent float64
	// Min and Max are the floor and the ceiling on the task count; 0 is
	// none.
	Min, Max int
	// At is when the step starts, from the start of the rollout, for the
	// steps of a linear ramp; 0 otherwise.
	At time.Duration
}

// MaxSteps is the most steps a rollout may have: a ramp of more is a
// mistake in its durations.
const MaxSteps = 1000

// validateSteps reports every mistake in a list of steps at once.
func validateSteps(steps []Step) error {
	if len(steps) == 0 {
		return errors.New("no steps")
	}
	if len(steps) > MaxSteps {
		return fmt.Errorf("%d steps: want at most %d", len(steps), MaxSteps)
	}
	var errs []error
	for i, s := range steps {
		if !(s.Percent > 0 && s.Percent <= 100) {
			errs = append(errs, fmt.Errorf("step %d: percent %v: want 0 < percent <= 100", i+1, s.Percent))
		}
		if s.Min < 0 || s.Max < 0 || (s.Max > 0 && s.Min > s.Max) {
			errs = append(errs, fmt.Errorf("step %d: min %d, max %d: want 0 <= min <= max (max 0 for none)", i+1, s.Min, s.Max))
		}
		if i > 0 && s.Percent <= steps[i-1].Percent {
			errs = append(errs, fmt.Errorf("step %d: percent %v after %v: want each step above the one before", i+1, s.Percent, steps[i-1].Percent))
		}
	}
	return errors.Join(errs...)
}

// Linear is a ramp: a step every Every, the percentage growing linearly
// from 0 to 100% at Over. When Over is not a multiple of Every, the last
// step comes at Over itself.
type Linear struct {
	Over, Every time.Duration
	// Min and Max are the floor and ceiling of every step; 0 is none.
	Min, Max int
}

// Steps lists the ramp's steps: the k-th at k x Every, at
// 100 x k x Every / Over percent, the last at Over and 100%.
func (l Linear) Steps() ([]Step, error) {
	if l.Over <= 0 || l.Every <= 0 || l.Every > l.Over {
		return nil, fmt.Errorf("linear ramp over %v every %v: want 0 < every <= over", l.Over, l.Every)
	}
	n := (l.Over + l.Every - 1) / l.Every
	if n > MaxSteps {
		return nil, fmt.Errorf("linear ramp over %v every %v: %d steps, want at most %d", l.Over, l.Every, n, MaxSteps)
	}
	steps := make([]Step, 0, n)
	for k := l.Every; k < l.Over; k += l.Every {
		steps = append(steps, Step{Percent: 100 * float64(k) / float64(l.Over), Min: l.Min, Max: l.Max, At: k})
	}
	return append(steps, Step{Percent: 100, Min: l.Min, Max: l.Max, At: l.Over}), nil
}

// String writes the step as the table's "percent asked" column does:
// "30% (min 1, max 5)", "8.33% at 10m0s".
func (s Step) String() string {
	out := formatPercent(s.Percent)
	switch {
	case s.Min > 0 && s.Max > 0:
		out += fmt.Sprintf(" (min %d, max %d)", s.Min, s.Max)
	case s.Min > 0:
		out += fmt.Sprintf(" (min %d)", s.Min)
	case s.Max > 0:
		out += fmt.Sprintf(" (max %d)", s.Max)
	}
	if s.At > 0 {
		out += " at " + s.At.String()
	}
	return out
}

// formatPercent writes a percentage with up to two decimals: "30%",
// "8.33%", "16.67%".
func formatPercent(p float64) string {
	return strconv.FormatFloat(float64(int64(p*100+0.5))/100, 'f', -1, 64) + "%"
}
