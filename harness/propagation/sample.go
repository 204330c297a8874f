package propagation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/postflight/postflight/internal/retry"
)

// Sample is one token written and looked for.
type Sample struct {
	// Token is the random hex the sample wrote.
	Token string
	// Echoed says a read showed the token before it was written: the read
	// echoes the request, and nothing it shows can be trusted. No write
	// was made. Cause names the read.
	Echoed bool
	// Unchecked says a read gave no answer to the read made before the
	// write, within the timeout, so an echo could not be ruled out: no
	// write was made. Cause names the read and why.
	Unchecked bool
	// Written says the write answered 2xx. If not (and the sample was not
	// Echoed or Unchecked), WriteReason says why in a few words ("status
	// 500", "connection refused") and WriteError in full.
	Written     bool
	WriteReason string
	WriteError  string
	// WriteAnswered says the write got an HTTP answer, whatever its status.
	WriteAnswered bool
	// Delay runs from the write's answer to the poll that first showed the
	// token on the last read endpoint to show it. It is meaningless for a
	// sample that never showed.
	Delay time.Duration
	// NeverShown says some read endpoint never showed the written token in
	// time; Cause says which and why.
	NeverShown bool
	Cause      string
	// Reads holds what each of Spec.Reads showed, in order.
	Reads []Sighting
	// Aborted says the context ended before the sample was done (or
	// started): it measured nothing and is not in the figures.
	Aborted bool
}

// Sighting is what one read endpoint showed of one sample's token.
type Sighting struct {
	// Delay runs from the write's answer to the first poll that showed the
	// token; meaningless when NeverShown.
	Delay      time.Duration
	NeverShown bool
	// Final says the read answered an error that waiting will not mend (a
	// 500): the sample was given up before its timeout.
	Final bool
	// Echoed says the read before the write showed the token; Unchecked
	// that it got no answer in time.
	Echoed, Unchecked bool
	// Polls is the number of polls made, the check before the write and
	// the last one included.
	Polls int
	// Answered is the number of polls that got an HTTP answer.
	Answered int
	// Misses counts why polls did not show the token: ReasonAbsent,
	// "status 404", ReasonRefused, ...
	Misses map[string]int
	// LastMiss is the last poll's error, in full, when it did not show.
	LastMiss string
}

// sample checks that no read shows a new token yet, writes it and waits
// for every read to show it.
func (p *prober) sample(ctx context.Context) Sample {
	s := Sample{Token: newToken(), Reads: make([]Sighting, len(p.spec.Reads))}
	for i := range s.Reads {
		s.Reads[i].Misses = map[string]int{}
	}

	before, cancel := context.WithTimeout(ctx, p.spec.Timeout)
	p.eachRead(func(i int, read Request) { p.check(before, read, s.Token, &s.Reads[i]) })
	cancel()
	if ctx.Err() != nil {
		s.Aborted = true
		return s
	}
	for i, r := range s.Reads {
		read := p.spec.Reads[i]
		switch {
		case r.Echoed:
			s.Echoed = true
			s.Cause = fmt.Sprintf("%s shows the token before it was written", read.describe())
			return s
		case r.Unchecked && !s.Unchecked:
			s.Unchecked = true
			s.Cause = fmt.Sprintf("%s gave no answer before the write: %s", read.describe(), r.LastMiss)
		}
	}
	if s.Unchecked {
		return s
	}

	written, answered, err := p.write(ctx, s.Token)
	if err != nil {
		if ctx.Err() != nil {
			s.Aborted = true
			return s
		}
		s.WriteAnswered = answered
		s.WriteReason, s.WriteError = reasonOf(err), err.Error()
		return s
	}
	s.Written, s.WriteAnswered = true, true

	deadline, cancel := context.WithDeadline(ctx, written.Add(p.spec.Timeout))
	defer cancel()
	p.eachRead(func(i int, read Request) { p.await(deadline, read, s.Token, written, &s.Reads[i]) })

	for i, r := range s.Reads {
		s.Delay = max(s.Delay, r.Delay)
		if r.NeverShown && !s.NeverShown {
			s.NeverShown = true
			s.Cause = fmt.Sprintf("%s never showed it in %s: %s", p.spec.Reads[i].describe(), p.spec.Timeout, r.LastMiss)
			if r.Final {
				s.Cause = fmt.Sprintf("%s answered %s, the service's error: not waited for", p.spec.Reads[i].describe(), r.LastMiss)
			}
		}
	}
	if s.NeverShown && ctx.Err() != nil { // cut short, not timed out
		s.Aborted = true
	}
	return s
}

// eachRead calls f for every read endpoint at once, and waits for them all.
func (p *prober) eachRead(f func(i int, read Request)) {
	var wg sync.WaitGroup
	for i, read := range p.spec.Reads {
		wg.Go(func() { f(i, read) })
	}
	wg.Wait()
}

// check polls read with token before token is written, every Spec.Interval
// until a poll gets an HTTP answer or ctx ends. Nothing has stored the token
// yet: if the answer shows it, the read shows what it was asked, not what
// was written.
func (p *prober) check(ctx context.Context, read Request, token string, s *Sighting) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Unchecked = true
			if s.LastMiss == "" {
				s.LastMiss = ReasonTimeout
			}
			return
		case <-timer.C:
		}
		answered, miss := p.poll(ctx, read, token)
		if !answered && ctx.Err() != nil {
			continue // cut short by the deadline: not the endpoint's answer
		}
		s.count(answered, miss)
		if answered {
			s.Echoed = miss == nil
			return
		}
		timer.Reset(p.spec.Interval)
	}
}

// await polls read every Spec.Interval until it shows token or ctx ends.
func (p *prober) await(ctx context.Context, read Request, token string, written time.Time, s *Sighting) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.NeverShown = true
			return
		case <-timer.C:
		}

		answered, miss := p.poll(ctx, read, token)
		seen := time.Now()
		if ctx.Err() != nil && miss != nil {
			continue // cut short by the deadline: not the endpoint's answer
		}
		s.count(answered, miss)
		if miss == nil {
			s.Delay = seen.Sub(written)
			return
		}
		// A read that fails for certain will not show the token by waiting.
		if se, ok := errors.AsType[*statusError](miss); ok && retry.Final(se.code) {
			s.NeverShown, s.Final = true, true
			return
		}
		timer.Reset(p.spec.Interval)
	}
}

// count records one poll.
func (s *Sighting) count(answered bool, miss error) {
	s.Polls++
	if answered {
		s.Answered++
	}
	if miss != nil {
		s.Misses[reasonOf(miss)]++
		s.LastMiss = miss.Error()
	}
}
