package propagation

import (
	"context"
	"fmt"
	"sync"
)

// Run takes s.Samples samples, s.Concurrency at a time, and sums them up as
// they end: memory grows with the samples shown, not with s.Samples.
//
// When ctx ends, samples in flight are cut short and no more start; Run
// returns what was measured with Interrupted set, and a nil error. The error
// is for a spec that cannot run, or a ctx already done.
func Run(ctx context.Context, s Spec) (*Result, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("check propagation spec: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start propagation: %w", err)
	}
	p := newProber(s)
	defer p.client.CloseIdleConnections()

	res := newResult(s)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	next := make(chan struct{})
	for range min(s.Concurrency, s.Samples) {
		wg.Go(func() {
			for range next {
				sm := p.sample(ctx)
				mu.Lock()
				res.add(sm)
				mu.Unlock()
			}
		})
	}
	started := 0
dispatch:
	for started < s.Samples && ctx.Err() == nil {
		select {
		case next <- struct{}{}:
			started++
		case <-ctx.Done():
			break dispatch
		}
	}
	close(next)
	wg.Wait()

	res.Aborted += s.Samples - started // never started
	res.finish()
	return res, nil
}
