// Package load drives open-model (constant-rate) HTTP load at a stack under
// test and reports what came back: each answer judged as it arrives (by its
// target's Judge, else by its status), the errors by reason, the latency of
// every success, and the rate and throughput achieved.
//
// Requests are sent at the rate asked for whether or not earlier ones have
// answered (vegeta's attacker does the pacing), so a slow target shows up as
// high latency, not as a politely lowered rate. Warm-up requests are sent at
// the same rate but left out of the figures.
package load

import (
	"errors"
	"fmt"
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// DefaultTimeout is the per-request timeout used when Spec.Timeout is zero.
const DefaultTimeout = vegeta.DefaultTimeout

// Spec says what load to send, for how long, and at what.
type Spec struct {
	// Rate is the number of requests sent per second, warm-up included.
	Rate float64
	// Duration is the measured window, after Warmup.
	Duration time.Duration
	// Warmup is sent first, at Rate, and left out of the figures.
	Warmup time.Duration
	// Timeout bounds one request, from sending it to reading the whole
	// response; zero means DefaultTimeout.
	Timeout time.Duration
	// Targets are picked in proportion to their weights.
	Targets []Target
	// MaxWorkers caps the requests in flight; zero means no cap. A cap below
	// Rate × latency makes the achieved rate fall short of Rate.
	MaxWorkers uint64
	// MaxBody is how many bytes of each answer's body are read for the
	// targets' Judges; the rest is drained unread. Zero reads none, for
	// judges that look at the status and headers only.
	MaxBody int64
}

// validate reports every mistake in s at once.
func (s Spec) validate() error {
	var errs []error
	if math.IsNaN(s.Rate) || s.Rate <= 0 || s.Rate > 1e9 {
		errs = append(errs, fmt.Errorf("rate %v: want more than 0 and at most 1e9 per second", s.Rate))
	}
	if s.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration %s: want more than 0", s.Duration))
	}
	if s.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup %s: want 0 or more", s.Warmup))
	}
	if s.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("max body %d: want 0 or more bytes", s.MaxBody))
	}
	if s.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want 0 (default) or more", s.Timeout))
	}
	if len(s.Targets) == 0 {
		errs = append(errs, errors.New("targets: want at least one"))
	}
	for i, t := range s.Targets {
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("target %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// timeout is the per-request timeout to use.
func (s Spec) timeout() time.Duration {
	if s.Timeout == 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

// pacer sends Rate requests per second, one every 1/Rate.
func (s Spec) pacer() vegeta.Pacer {
	// ConstantPacer counts whole hits per period: one hit per 1/Rate keeps
	// fractional rates (0.5/s, 12.5/s) exact to the nanosecond.
	return vegeta.ConstantPacer{Freq: 1, Per: time.Duration(float64(time.Second) / s.Rate)}
}
