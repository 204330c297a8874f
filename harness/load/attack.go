package load

import (
	"context"
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// attackName is sent as the X-Vegeta-Attack header, so the target's logs can
// tell postflight's load from real traffic.
const attackName = "postflight"

// Run sends s.Rate requests per second to s.Targets for s.Warmup and then
// s.Duration, and measures the latter. progress, if not nil, is called about
// once a second from Run's goroutine; it must return quickly.
//
// When ctx ends, sending stops at once and requests in flight are cut short;
// Run returns what it measured with Interrupted set, and a nil error. The
// error is for a spec that cannot run, or a ctx already done.
func Run(ctx context.Context, s Spec, progress func(Progress)) (*Result, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("check load spec: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start load: %w", err)
	}

	aborting, abort := context.WithCancel(context.Background())
	defer abort()
	targets := newTargeter(s.Targets, aborting.Done())
	client := newClient(aborting)
	defer client.CloseIdleConnections()

	opts := []func(*vegeta.Attacker){
		vegeta.Client(client), // first: it replaces the whole client, timeout included
		vegeta.Timeout(s.timeout()),
		// Read what the judges need of each body, drain the rest: a body is
		// judged as it comes back and dropped, never kept.
		vegeta.MaxBody(s.MaxBody),
	}
	if s.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(s.MaxWorkers))
	}
	attacker := vegeta.NewAttacker(opts...)

	// The one place where ctx reaches the attacker, which knows nothing of
	// contexts: stop sending, and cut short what is in flight (see newClient
	// and targeter for how aborting does that).
	interrupted := make(chan time.Time, 1)
	unbridge := context.AfterFunc(ctx, func() {
		interrupted <- time.Now()
		attacker.Stop()
		abort()
	})
	defer unbridge()

	began := time.Now()
	measureFrom := began.Add(s.Warmup)
	results := attacker.Attack(targets.next, s.pacer(), s.Warmup+s.Duration, attackName)

	col := newCollector(measureFrom, s.Targets)
	meter := newMeter(began, measureFrom, progress)
	ticker := time.NewTicker(progressEvery)
	defer ticker.Stop()
	// vegeta closes results once sending has stopped and every request in
	// flight has come back.
	for results != nil {
		select {
		case r, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			targets.collected.Add(1)
			col.add(r)
		case now := <-ticker.C:
			meter.report(now, int(targets.sent.Load()), col.errors)
		}
	}

	end := measureFrom.Add(s.Duration)
	var interruptedAt time.Time
	select {
	case interruptedAt = <-interrupted:
		if interruptedAt.Before(end) {
			end = interruptedAt
		}
	default:
	}
	res := col.result(end, interruptedAt)
	res.PeakInFlight, res.MaxWorkers = int(targets.peak.Load()), s.MaxWorkers
	return res, nil
}
