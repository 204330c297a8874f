package propagation

import (
	"slices"
	"time"
)

// Result is what a propagation run measured.
//
// Written == 0 means nothing was measured (every write failed, or the run was
// interrupted first): inconclusive. Timed-out samples are in Delays, so a
// percentile over Delays that lands on one is at least Spec.Timeout.
type Result struct {
	// Delays holds the delay of every written sample that was not aborted,
	// timed-out ones included, sorted.
	Delays []time.Duration
	// Endpoints holds each read's view, in the order of Spec.Reads.
	Endpoints []Endpoint
	// Samples holds every sample, in the order they were started.
	Samples []Sample

	// Written is the number of samples whose write answered 2xx and that
	// were not aborted: len(Delays).
	Written int
	// TimedOut is the number of written samples that some read never
	// showed in time.
	TimedOut int
	// FailedWrites is the number of samples whose write failed, and
	// WriteErrors counts them by reason ("status 500", "connection refused").
	FailedWrites int
	WriteErrors  map[string]int
	// Aborted is the number of samples the context cut short or kept from
	// starting, and Interrupted says there was at least one.
	Aborted     int
	Interrupted bool
}

// newResult sums up the samples of a run of s.
func newResult(s Spec, samples []Sample) *Result {
	res := &Result{
		Delays:      make([]time.Duration, 0, len(samples)),
		Endpoints:   make([]Endpoint, len(s.Reads)),
		Samples:     samples,
		WriteErrors: map[string]int{},
	}
	for i, r := range s.Reads {
		res.Endpoints[i] = Endpoint{Method: r.Method, URL: r.URL, Misses: map[string]int{}}
	}
	for _, sm := range samples {
		switch {
		case sm.Aborted:
			res.Aborted++
		case !sm.Written:
			res.FailedWrites++
			res.WriteErrors[sm.WriteReason]++
		default:
			res.Written++
			res.Delays = append(res.Delays, sm.Delay)
			if sm.TimedOut {
				res.TimedOut++
			}
			for i, r := range sm.Reads {
				res.Endpoints[i].add(r)
			}
		}
	}
	slices.Sort(res.Delays)
	for i := range res.Endpoints {
		res.Endpoints[i].sort()
	}
	res.Interrupted = res.Aborted > 0
	return res
}
