package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Phase is the checks of one phase of a run.
//
// Checks that talk to the stack run one after the other in plan order: a
// check may read what an earlier one wrote, and a load check's latency
// must not pay for another check's requests. Checks of stack-free kinds
// (images, registries, the host) start with the phase and run beside them,
// also while the stack comes up.
type Phase struct {
	Checks []plan.Check
	Env    Env
	// FailFast ends the phase at its first failed check: the checks not
	// started are reported as not run and the running ones are stopped,
	// all inconclusive, never passed.
	FailFast bool
	// Stack, when set, is called before the first check that talks to the
	// stack, and returns where its services answer (Env.Endpoints is used
	// otherwise). When it fails, those checks could not measure, with its
	// error as the reason.
	Stack func(ctx context.Context) (result.Endpoints, error)
	// Logf, when set, is told when each check starts.
	Logf func(format string, args ...any)
}

// Run runs the phase's checks and returns a result for each, in plan
// order. It returns when every check has ended; ctx stops them all.
func (ph Phase) Run(ctx context.Context) []result.Result {
	s := &phaseState{ph: ph, results: make([]result.Result, len(ph.Checks)), ran: make([]bool, len(ph.Checks)), cut: make([]bool, len(ph.Checks))}
	ctx, s.stop = context.WithCancel(ctx)
	defer s.stop()

	var wg sync.WaitGroup
	prepared := s.prepare(ctx, &wg)
	var onStack []int
	for i, c := range ph.Checks {
		if ck, ok := Lookup(kindOf(c)); ok && ck.Kind.Images {
			wg.Go(func() { s.run(ctx, i, prepared.env(i, ph.Env)) })
		} else {
			onStack = append(onStack, i)
		}
	}
	if len(onStack) > 0 {
		env := ph.Env
		var stackErr error
		if ph.Stack != nil {
			env.Endpoints, stackErr = ph.Stack(ctx)
		}
		for _, i := range onStack {
			if ctx.Err() != nil {
				break // stopped (or interrupted) while the stack came up
			}
			if stackErr != nil {
				s.record(i, result.Result{Name: ph.Checks[i].Name, Kind: ph.Checks[i].Kind, Phase: ph.Env.Phase}.Unmeasured(stackErr.Error()))
				continue
			}
			s.run(ctx, i, prepared.env(i, env))
		}
	}
	wg.Wait()
	out := s.complete()
	// Preparations no check waits for any more stop, and are undone.
	s.stop()
	for _, p := range prepared {
		<-p.ready
	}
	for _, undo := range s.undo {
		undo()
	}
	return out
}

// preparations are what kinds' Prepare made of the phase's checks, by
// check index, each ready once its channel is closed.
type preparations map[int]*preparation

type preparation struct {
	ready chan struct{}
	value any
}

// prepare starts every check's Prepare; what they return is undone when
// the phase ends (wg holds the phase's goroutines).
func (s *phaseState) prepare(ctx context.Context, wg *sync.WaitGroup) preparations {
	out := preparations{}
	for i, c := range s.ph.Checks {
		ck, ok := Lookup(kindOf(c))
		if !ok || ck.Prepare == nil {
			continue
		}
		p := &preparation{ready: make(chan struct{})}
		out[i] = p
		go func() {
			defer close(p.ready)
			var done func()
			p.value, done = ck.Prepare(ctx, c)
			if done != nil {
				s.mu.Lock()
				s.undo = append(s.undo, done)
				s.mu.Unlock()
			}
		}()
	}
	return out
}

// env is the environment of check i: with what was prepared for it.
func (ps preparations) env(i int, env Env) Env {
	if p, ok := ps[i]; ok {
		env.Prepared = func(ctx context.Context) any {
			select {
			case <-p.ready:
				return p.value
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return env
}

func kindOf(c plan.Check) string {
	if c.Kind == "" {
		return plan.KindHTTP
	}
	return c.Kind
}

// phaseState is what the checks of a running phase share.
type phaseState struct {
	ph      Phase
	stop    context.CancelFunc
	mu      sync.Mutex
	results []result.Result
	ran     []bool
	// cut marks checks that ended after the phase was stopped.
	cut []bool
	// failed names the first failed check once the phase fails fast.
	failed string
	// undo are the preparations to undo when the phase ends.
	undo []func()
}

// run runs check i unless the phase has stopped.
func (s *phaseState) run(ctx context.Context, i int, env Env) {
	if ctx.Err() != nil {
		return
	}
	c := s.ph.Checks[i]
	if s.ph.Logf != nil {
		s.ph.Logf("%s: %s (%s)", env.Phase, c.Name, kindOf(c))
	}
	r := RunCheck(ctx, c, env)
	s.mu.Lock()
	s.cut[i] = ctx.Err() != nil
	s.mu.Unlock()
	s.record(i, r)
}

func (s *phaseState) record(i int, r result.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[i], s.ran[i] = r, true
	if r.Status == slo.Fail && s.ph.FailFast && s.failed == "" {
		s.failed = r.Name
		s.stop()
	}
}

// complete gives every check a result: one stopped or never started by a
// fail-fast phase says so; one never started otherwise was interrupted.
func (s *phaseState) complete() []result.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.ph.Checks {
		r := s.results[i]
		if s.ran[i] && !(s.cut[i] && s.failed != "" && r.Status == slo.Inconclusive) {
			continue
		}
		// A check the fail-fast stop cut short measured nothing it can
		// stand by.
		if s.ran[i] {
			r.Reason = fmt.Sprintf("stopped: the phase ended after %s failed (policy.fail_fast); %s", s.failed, r.Reason)
			s.results[i] = r
			continue
		}
		why := "could not measure: interrupted before the check ran"
		if s.failed != "" {
			why = fmt.Sprintf("not run: the phase stopped after %s failed (policy.fail_fast)", s.failed)
		}
		s.results[i] = result.Result{Name: c.Name, Kind: c.Kind, Phase: s.ph.Env.Phase}.Found(slo.NotMeasured(why))
	}
	return s.results
}
