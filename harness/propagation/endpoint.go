package propagation

import (
	"slices"
	"time"
)

// Endpoint is what one read endpoint showed over a run.
type Endpoint struct {
	// Method and URL are the read's, as in the spec, before the token is in.
	Method, URL string
	// Delays holds one delay per written sample this endpoint showed,
	// sorted.
	Delays []time.Duration
	// NeverShown is the number of written samples this endpoint never
	// showed in time.
	NeverShown int
	// Echoed is the number of samples whose token it showed before it was
	// written; Unchecked the number it gave no answer for before the write.
	Echoed, Unchecked int
	// Polls and Answered count polls, and polls that got an HTTP answer.
	// Answered == 0 with Polls > 0 means the endpoint was never reached:
	// nothing it showed or did not show says anything about propagation.
	Polls, Answered int
	// Misses counts why polls did not show the token, and LastMiss is the
	// last such poll's error in full, as an example.
	Misses   map[string]int
	LastMiss string
}

// add counts one sample's sighting. written says the sample was written.
func (e *Endpoint) add(s Sighting, written bool) {
	switch {
	case s.Echoed:
		e.Echoed++
	case s.Unchecked:
		e.Unchecked++
	case !written:
	case s.NeverShown:
		e.NeverShown++
	default:
		e.Delays = append(e.Delays, s.Delay)
	}
	e.Polls += s.Polls
	e.Answered += s.Answered
	for reason, n := range s.Misses {
		e.Misses[reason] += n
	}
	if s.LastMiss != "" {
		e.LastMiss = s.LastMiss
	}
}

// sort sorts the delays.
func (e *Endpoint) sort() { slices.Sort(e.Delays) }
