package propagation

import (
	"slices"
	"time"
)

// Endpoint is what one read endpoint showed over a run.
type Endpoint struct {
	// Method and URL are the read's, as in the spec, before the token is in.
	Method, URL string
	// Delays holds one delay per written sample that was not aborted,
	// sorted; timed-out ones at Spec.Timeout or more.
	Delays []time.Duration
	// TimedOut is the number of samples this endpoint never showed in time.
	TimedOut int
	// Polls and Answered count polls, and polls that got an HTTP answer.
	// Answered == 0 with Polls > 0 means the endpoint was never reached:
	// its delays say nothing about propagation.
	Polls, Answered int
	// Misses counts why polls did not show the token.
	Misses map[string]int
}

// add counts one sample's sighting.
func (e *Endpoint) add(s Sighting) {
	e.Delays = append(e.Delays, s.Delay)
	if s.TimedOut {
		e.TimedOut++
	}
	e.Polls += s.Polls
	e.Answered += s.Answered
	for reason, n := range s.Misses {
		e.Misses[reason] += n
	}
}

// sort sorts the delays.
func (e *Endpoint) sort() { slices.Sort(e.Delays) }
