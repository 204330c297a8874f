package check

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/postflight/postflight/harness/load"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/propagation"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// RunLoad runs a "load" check: constant-rate load on the targets, with
// propagation measured meanwhile when the check asks for it, held to the
// check's budgets, an error rate always among them. Every answer is judged
// against its expectation; a wrong one is an error. Figures that cannot be
// trusted (no request got an answer, the run was interrupted, the rate
// achieved fell short of the rate asked) make the check inconclusive.
func RunLoad(ctx context.Context, c plan.Check, phase string, eps result.Endpoints, progress result.Progress) (res result.Result) {
	start := time.Now()
	objs := c.Budgets.LoadObjectives()
	res = result.Result{Name: c.Name, Kind: plan.KindLoad, Phase: phase, Attempts: 1, Expected: describeObjectives(objs) + describeLoadExpect(c)}
	defer func() { res.Duration = time.Since(start) }()

	spec, err := loadSpec(c, eps)
	if err != nil {
		return res.Unmeasured(err.Error())
	}
	res.Target = fmt.Sprintf("%s at %s for %s", describeTargets(spec.Targets), c.Load.Rate, c.Load.Duration.Duration)

	var pr *propagation.Result
	var prErr error
	var wg sync.WaitGroup
	if c.Propagation != nil {
		ps, err := propagationSpec(c, eps)
		if err != nil {
			return res.Unmeasured(err.Error())
		}
		// Propagation is measured after the warm-up, while the load runs.
		wg.Go(func() {
			if sleepCtx(ctx, spec.Warmup) == nil {
				pr, prErr = propagation.Run(ctx, ps)
			}
		})
	}
	lr, err := load.Run(ctx, spec, func(p load.Progress) {
		if progress != nil {
			progress(describeProgress(c.Name, p, spec))
		}
	})
	wg.Wait()
	switch {
	case err != nil:
		return res.Unmeasured(err.Error())
	case prErr != nil:
		return res.Unmeasured("propagation: " + prErr.Error())
	case lr.Interrupted || (pr != nil && pr.Interrupted) || ctx.Err() != nil:
		return res.Unmeasured("interrupted before the load finished")
	case lr.Requests == 0:
		return res.Unmeasured("no request completed")
	case lr.Answered == 0:
		return res.Unmeasured(fmt.Sprintf("no request got an answer: %s", describeErrors(lr.Errors)))
	}
	m := slo.Measurements{Latencies: lr.Latencies, Requests: lr.Requests, Errors: lr.Failures, Rate: slo.Rate(lr.Throughput)}
	res.Latencies = lr.Latencies
	if lr.Load != nil {
		drawn := *lr.Load
		drawn.Rate = float64(c.Load.Rate)
		res.Load = &drawn
	}
	res.Observed = describeLoad(lr)
	if pr != nil {
		res.Propagation = result.NewHistogram(pr.Delays)
		res.Observed += "; " + describePropagation(pr)
		m.Propagation, m.PropagationLost = pr.Delays, pr.NeverShown
		if f, decided := judgePropagation(pr); decided {
			f.Note = "propagation: " + f.Note
			return res.Evaluate(objs, m).Also(f)
		}
	}
	res = res.Evaluate(objs, m)
	if lr.Successes == 0 {
		// Budgets that allow every request to fail are no evidence that
		// the version answers right: a pass needs one answer as expected.
		res = res.Confirm(slo.Missed("no answer was as expected: " + describeErrors(lr.Errors)))
	}
	if why, unmeasured := unmeasuredTarget(lr, spec); unmeasured {
		res = res.Also(slo.NotMeasured(why))
	}
	// Figures of a lighter load than asked say nothing of the load asked
	// for, whichever way they point: shown, not judged.
	if why, short := lr.Shortfall(float64(c.Load.Rate), float64(c.Load.Tolerance())); short {
		return res.Unmeasured(why)
	}
	return res
}

// unmeasuredTarget names a target that no measured request reached: its
// answers are unknown, so the figures say nothing of it. A weight small
// against the others' and a short run leave one out.
func unmeasuredTarget(lr *load.Result, s load.Spec) (string, bool) {
	total := 0
	for _, t := range s.Targets {
		total += max(t.Weight, 1)
	}
	for i, n := range lr.TargetRequests {
		if n == 0 && i < len(s.Targets) {
			t := s.Targets[i]
			return fmt.Sprintf("no measured request went to %s %s (weight %d of %d, %d requests in all): raise its weight, the rate or the duration",
				cmp.Or(t.Method, http.MethodGet), t.URL, max(t.Weight, 1), total, lr.Requests), true
		}
	}
	return "", false
}

func loadSpec(c plan.Check, eps result.Endpoints) (load.Spec, error) {
	s := load.Spec{
		Rate:       float64(c.Load.Rate),
		Duration:   c.Load.Duration.Duration,
		Warmup:     c.Load.Warmup.Duration,
		Timeout:    c.Timeout.Or(plan.DefaultCheckTimeout),
		MaxWorkers: uint64(max(c.Load.MaxWorkers, 0)),
	}
	for _, t := range c.Load.Targets {
		u, err := endpointURL(t, c.Service, eps)
		if err != nil {
			return s, err
		}
		lt := load.Target{Method: t.Method, URL: u, Headers: t.Headers, Body: []byte(t.Body), Weight: t.Weight}
		if e, ok := targetExpect(c, t); ok {
			lt.Judge = judgeAnswer(e)
			if readsBody(e) {
				s.MaxBody = maxBody
			}
		}
		s.Targets = append(s.Targets, lt)
	}
	return s, nil
}

// endpointURL is an endpoint's absolute URL: its own, or its service's (or
// the check's service's) base URL and its path.
func endpointURL(e plan.Endpoint, checkService string, eps result.Endpoints) (string, error) {
	if e.URL != "" {
		return e.URL, nil
	}
	service := e.Service
	if service == "" {
		service = checkService
	}
	if eps == nil {
		return "", fmt.Errorf("no stack to resolve service %q", service)
	}
	base, err := eps.BaseURL(service, e.Port)
	if err != nil {
		return "", fmt.Errorf("resolve service %q: %w", service, err)
	}
	return strings.TrimRight(base, "/") + e.Path, nil
}

func describeObjectives(objs []slo.Objective) string {
	parts := make([]string, len(objs))
	for i, o := range objs {
		op := "<="
		if o.Bound == slo.AtLeast {
			op = ">="
		}
		parts[i] = fmt.Sprintf("%s %s %s", o.Name, op, o.Budget)
	}
	return strings.Join(parts, ", ")
}

func describeTargets(ts []load.Target) string {
	if len(ts) == 1 {
		return ts[0].Method + " " + ts[0].URL
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s %s (x%d)", t.Method, t.URL, max(t.Weight, 1))
	}
	return strings.Join(parts, ", ")
}

func describeProgress(name string, p load.Progress, s load.Spec) string {
	phase := ""
	if p.Warmup {
		phase = " (warm-up)"
	}
	return fmt.Sprintf("load %s: %s/%s%s, %d sent, %.1f/s, %d error(s)", name,
		p.Elapsed.Round(time.Second), (s.Warmup + s.Duration).Round(time.Second), phase, p.Sent, p.Rate, p.Errors)
}

func describeLoad(lr *load.Result) string {
	s := fmt.Sprintf("%d requests in %s (%.1f/s), %d ok, %d failed", lr.Requests, lr.Window.Round(time.Millisecond), lr.Rate, lr.Successes, lr.Failures)
	if lr.Failures > 0 {
		s += " (" + describeErrors(lr.Errors) + ")" + describeExamples(lr)
	}
	lat := lr.Latencies
	if len(lat) == 0 {
		return s + "; no successful answer to time"
	}
	return s + fmt.Sprintf("; latency of successes p50 %s p99 %s max %s", roundDur(slo.Percentile(lat, 0.5)), roundDur(slo.Percentile(lat, 0.99)), roundDur(lat[len(lat)-1]))
}

// describeExamples shows the example of the most frequent wrong answer,
// which says more than its reason alone.
func describeExamples(lr *load.Result) string {
	var top load.Reason
	for r, n := range lr.Errors {
		if r.Answered() && (n > lr.Errors[top] || n == lr.Errors[top] && r < top) {
			top = r
		}
	}
	if ex := lr.ErrorExamples[top]; top != "" && ex != "" {
		return fmt.Sprintf("; e.g. %s", ex)
	}
	return ""
}

func describeErrors(errs map[load.Reason]int) string {
	m := make(map[string]int, len(errs))
	for r, n := range errs {
		m[string(r)] = n
	}
	return describeCounts(m)
}

// describeCounts is "status 500 x3, timeout x1", most frequent first.
func describeCounts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}
