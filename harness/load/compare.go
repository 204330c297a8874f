package load

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/postflight/postflight/slo/compare"
)

// Comparison is the same load sent to two versions of a service at once,
// the baseline and the canary, so that what they answer can be compared:
// the same rate, the same requests in the same mix, the same duration,
// started together (the canary half a request's interval after the
// baseline, so that their requests interleave) by attackers of their own.
type Comparison struct {
	// Spec is the load each side gets. The URL of each of its Targets is
	// a path ("/kv/x"), joined to each side's base URL; an empty one
	// requests the base URL itself.
	Spec Spec
	// Baseline and Canary are the sides' base URLs, absolute http or
	// https.
	Baseline, Canary string
}

// Compared is what each side of a Comparison measured.
type Compared struct {
	Baseline, Canary *Result
}

// ComparisonProgress is a snapshot of both sides of a running comparison,
// reported about once a second.
type ComparisonProgress struct {
	Baseline, Canary Progress
}

// Sides names the sides in the order Comparison and Compared give them.
var Sides = [2]string{"baseline", "canary"}

// specs returns the load of each side: Spec with its targets' paths joined
// to the side's base URL.
func (c Comparison) specs() [2]Spec {
	var out [2]Spec
	for i, base := range [2]string{c.Baseline, c.Canary} {
		s := c.Spec
		s.Targets = make([]Target, len(c.Spec.Targets))
		for j, t := range c.Spec.Targets {
			t.URL = JoinURL(base, t.URL)
			s.Targets[j] = t
		}
		out[i] = s
	}
	return out
}

// JoinURL is path on base: base itself when path is empty.
func JoinURL(base, path string) string {
	if path == "" {
		return base
	}
	return strings.TrimRight(base, "/") + path
}

// RunComparison sends c's load to both sides at once and returns what each
// measured. progress, if not nil, gets both sides' progress about once a
// second; it must return quickly.
//
// When ctx ends, both sides stop, and each Result says it was interrupted.
// The error is for a comparison that cannot run, or a ctx already done.
func RunComparison(ctx context.Context, c Comparison, progress func(ComparisonProgress)) (*Compared, error) {
	specs := c.specs()
	var errs []error
	for i, s := range specs {
		if err := s.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Sides[i], err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("check comparison spec: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start comparison: %w", err)
	}

	m := &pairMeter{emit: progress}
	var out [2]*Result
	var wg sync.WaitGroup
	start := make(chan struct{})
	// The canary starts half a request's interval after the baseline, so
	// the sides' requests interleave rather than leave at the same instant
	// and queue for the same CPU (of this host, or of a host both run on):
	// whichever went second would always be the slower.
	offset := time.Duration(float64(time.Second) / c.Spec.Rate / 2)
	for i := range specs {
		wg.Go(func() {
			<-start
			if i == 1 {
				select {
				case <-time.After(offset):
				case <-ctx.Done():
				}
			}
			// Run fails only on an invalid spec or a ctx already done: the
			// spec is valid, and a ctx done makes the side interrupted.
			res, err := Run(ctx, specs[i], func(p Progress) { m.report(i, p) })
			if err != nil {
				res = &Result{Interrupted: true, Errors: map[Reason]int{}, ErrorExamples: map[Reason]string{}, TargetRequests: make([]int, len(specs[i].Targets))}
			}
			out[i] = res
		})
	}
	close(start)
	wg.Wait()
	return &Compared{Baseline: out[0], Canary: out[1]}, nil
}

// pairMeter reports both sides' progress once each has reported since the
// last report.
type pairMeter struct {
	emit  func(ComparisonProgress)
	mu    sync.Mutex
	last  [2]Progress
	fresh [2]bool
}

func (m *pairMeter) report(side int, p Progress) {
	if m.emit == nil {
		return
	}
	m.mu.Lock()
	m.last[side], m.fresh[side] = p, true
	ready := m.fresh[0] && m.fresh[1]
	if ready {
		m.fresh = [2]bool{}
	}
	snap := ComparisonProgress{Baseline: m.last[0], Canary: m.last[1]}
	m.mu.Unlock()
	if ready {
		m.emit(snap)
	}
}

// Sample is what the comparison judges of a side: the latencies of its
// successes, its measured requests and how many failed.
func (r *Result) Sample() compare.Sample {
	return compare.Sample{Latencies: r.Latencies, Requests: r.Requests, Errors: r.Failures}
}
