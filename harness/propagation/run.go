package propagation

import (
	"context"
	"fmt"
	"sync"
)

// Run takes s.Samples samples, s.Concurrency at a time, and sums them up.
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

	samples := make([]Sample, s.Samples)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.Concurrency, s.Samples) {
		wg.Go(func() {
			for i := range next {
				samples[i] = p.sample(ctx)
			}
		})
	}
	for i := range samples {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()

	for i := range samples {
		if samples[i].Token == "" { // never started
			samples[i].Aborted = true
		}
	}
	return newResult(s, samples), nil
}
