package propagation

import (
	"slices"
	"time"
)

// Result is what a propagation run measured: every sample taken is in
// exactly one of Shown, NeverShown, FailedWrites, Unchecked and Echoed.
//
// Only Shown samples have a delay. A sample that never showed, or could not
// be written, is counted and has an example cause, never a delay: it is
// neither dropped nor passed off as a delay at the timeout.
type Result struct {
	// Delays holds the delay of every shown sample, sorted.
	Delays []time.Duration
	// Endpoints holds each read's view, in the order of Spec.Reads.
	Endpoints []Endpoint

	// Taken is the number of samples started and not aborted.
	Taken int
	// Written is the number of samples whose write answered 2xx: Shown +
	// NeverShown.
	Written int
	// Shown is the number of written samples every read showed in time.
	Shown int
	// NeverShown is the number of written samples that some read never
	// showed in time, and NeverShownExample why one of them did not.
	NeverShown        int
	NeverShownExample string
	// FailedWrites is the number of samples whose write failed, and
	// WriteErrors counts them by reason ("status 500", "connection
	// refused"); WriteExample is one write's error in full. WritesAnswered
	// counts the writes, failed or not, that got an HTTP answer.
	FailedWrites   int
	WriteErrors    map[string]int
	WriteExample   string
	WritesAnswered int
	// Unchecked is the number of samples not written because a read gave
	// no answer before the write, so that an echo could not be ruled out.
	Unchecked        int
	UncheckedExample string
	// Echoed is the number of samples whose token a read showed before it
	// was written: the read echoes the request, and the run measured
	// nothing. EchoExample names the read.
	Echoed      int
	EchoExample string
	// Aborted is the number of samples the context cut short or kept from
	// starting, and Interrupted says there was at least one.
	Aborted     int
	Interrupted bool
}

// newResult returns an empty result for a run of s.
func newResult(s Spec) *Result {
	res := &Result{
		Endpoints:   make([]Endpoint, len(s.Reads)),
		WriteErrors: map[string]int{},
	}
	for i, r := range s.Reads {
		res.Endpoints[i] = Endpoint{Method: r.Method, URL: r.URL, Misses: map[string]int{}}
	}
	return res
}

// add counts one sample. Only what the counts and figures need is kept, so
// that a run of many samples holds one delay per shown sample and no more.
func (res *Result) add(sm Sample) {
	if sm.Aborted {
		res.Aborted++
		return
	}
	res.Taken++
	if sm.WriteAnswered {
		res.WritesAnswered++
	}
	switch {
	case sm.Echoed:
		res.Echoed++
		res.EchoExample = sm.Cause
	case sm.Unchecked:
		res.Unchecked++
		res.UncheckedExample = sm.Cause
	case !sm.Written:
		res.FailedWrites++
		res.WriteErrors[sm.WriteReason]++
		res.WriteExample = sm.WriteError
	case sm.NeverShown:
		res.Written++
		res.NeverShown++
		res.NeverShownExample = sm.Cause
	default:
		res.Written++
		res.Shown++
		res.Delays = append(res.Delays, sm.Delay)
	}
	for i, r := range sm.Reads {
		res.Endpoints[i].add(r, sm.Written)
	}
}

// finish sorts the figures once every sample is in.
func (res *Result) finish() {
	slices.Sort(res.Delays)
	for i := range res.Endpoints {
		res.Endpoints[i].sort()
	}
	res.Interrupted = res.Aborted > 0
}
