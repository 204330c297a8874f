package propagation

import (
	"context"
	"sync"
	"time"
)

// Sample is one token written and looked for.
type Sample struct {
	// Token is the random hex the sample wrote.
	Token string
	// Written says the write answered 2xx. If not, WriteReason says why in a
	// few words ("status 500", "connection refused") and WriteError in full,
	// and nothing was measured.
	Written     bool
	WriteReason string
	WriteError  string
	// Delay runs from the write's answer to the poll that first showed the
	// token on the last read endpoint to show it. A sample that timed out
	// has a Delay of Spec.Timeout or more.
	Delay time.Duration
	// TimedOut says some read endpoint never showed the token in time.
	TimedOut bool
	// Reads holds what each of Spec.Reads showed, in order.
	Reads []Sighting
	// Aborted says the context ended before the sample was done (or
	// started): it measured nothing and is not in the figures.
	Aborted bool
}

// Sighting is what one read endpoint showed of one sample's token.
type Sighting struct {
	// Delay runs from the write's answer to the first poll that showed the
	// token; Spec.Timeout or more if none did.
	Delay    time.Duration
	TimedOut bool
	// Polls is the number of polls made, the last one included.
	Polls int
	// Answered is the number of polls that got an HTTP answer.
	Answered int
	// Misses counts why polls did not show the token: ReasonAbsent,
	// "status 404", ReasonRefused, ...
	Misses map[string]int
}

// sample writes a new token and waits for every read to show it.
func (p *prober) sample(ctx context.Context) Sample {
	s := Sample{Token: newToken()}
	written, err := p.write(ctx, s.Token)
	if err != nil {
		if ctx.Err() != nil {
			s.Aborted = true
			return s
		}
		s.WriteReason, s.WriteError = reasonOf(err), err.Error()
		return s
	}
	s.Written = true

	deadline, cancel := context.WithDeadline(ctx, written.Add(p.spec.Timeout))
	defer cancel()
	s.Reads = make([]Sighting, len(p.spec.Reads))
	var wg sync.WaitGroup
	for i, read := range p.spec.Reads {
		wg.Go(func() { s.Reads[i] = p.await(deadline, read, s.Token, written) })
	}
	wg.Wait()

	for _, r := range s.Reads {
		s.Delay = max(s.Delay, r.Delay)
		s.TimedOut = s.TimedOut || r.TimedOut
	}
	if s.TimedOut && ctx.Err() != nil { // cut short, not timed out
		s.Aborted = true
	}
	return s
}

// await polls read every Spec.Interval until it shows token or ctx ends. A
// timed-out sighting's delay is at least Spec.Timeout, even if the last poll
// ended a little before the deadline.
func (p *prober) await(ctx context.Context, read Request, token string, written time.Time) Sighting {
	s := Sighting{Misses: map[string]int{}}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.TimedOut = true
			s.Delay = max(p.spec.Timeout, time.Since(written))
			return s
		case <-timer.C:
		}

		answered, miss := p.poll(ctx, read, token)
		seen := time.Now()
		if ctx.Err() != nil && miss != nil {
			continue // cut short by the deadline: not the endpoint's answer
		}
		s.Polls++
		if answered {
			s.Answered++
		}
		if miss == nil {
			s.Delay = seen.Sub(written)
			return s
		}
		s.Misses[reasonOf(miss)]++
		timer.Reset(p.spec.Interval)
	}
}
