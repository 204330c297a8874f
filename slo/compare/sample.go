package compare

import (
	"fmt"
	"slices"
	"time"
)

// Sample is what one side (baseline or canary) answered to the load.
type Sample struct {
	// Latencies are the measured latencies, normally one per request.
	Latencies []time.Duration
	// Requests is the number of requests sent; Errors how many failed.
	Requests, Errors int
}

func (s Sample) validate(side string) error {
	if s.Requests < 0 || s.Errors < 0 || s.Errors > s.Requests {
		return fmt.Errorf("%s: %d errors of %d requests: want 0 <= errors <= requests", side, s.Errors, s.Requests)
	}
	if len(s.Latencies) > s.Requests {
		return fmt.Errorf("%s: %d latencies for %d requests: want at most one a request", side, len(s.Latencies), s.Requests)
	}
	return nil
}

// errorRate is the fraction of requests that failed; 0 for none sent.
func (s Sample) errorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests)
}

// sorted returns a sorted copy of the latencies.
func (s Sample) sorted() []time.Duration {
	d := slices.Clone(s.Latencies)
	slices.Sort(d)
	return d
}
