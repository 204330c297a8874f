package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/load"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/slo/compare"
)

// Comparison is what a compare check measured and how it was judged.
type Comparison struct {
	// Result is the check's result.
	Result result.Result
	// Measured is each side's load; nil when none was sent.
	Measured *load.Compared
	// Judged is the statistics; nil when the sides could not be compared
	// (a side down, interrupted, the rate not applied).
	Judged *compare.Result
}

// ErrNoBaseline is why a compare check of a service cannot measure outside
// a canary rollout: nothing gives the stable version's endpoints.
var ErrNoBaseline = errors.New("no baseline to compare with: the check names a service, whose stable version only a canary rollout knows; " +
	"give compare.baseline_url and compare.canary_url to compare two URLs")

// RunCompare runs a "compare" check: the same load to the baseline and
// the canary at once, the canary held to the baseline by slo/compare. The
// check's service resolves to the canary through canary and to the
// baseline through baseline; its compare.baseline_url and canary_url,
// when given, are used instead.
func RunCompare(ctx context.Context, c plan.Check, phase string, canary, baseline result.Endpoints, progress result.Progress) result.Result {
	return Compare(ctx, c, phase, canary, baseline, progress).Result
}

// Compare is RunCompare with the figures behind the result.
func Compare(ctx context.Context, c plan.Check, phase string, canary, baseline result.Endpoints, progress result.Progress) (out Comparison) {
	start := time.Now()
	defer func() { out.Result.Duration = time.Since(start) }()
	res := result.Result{Name: c.Name, Kind: plan.KindCompare, Phase: phase, Attempts: 1}
	s := c.Compare
	if s == nil {
		out.Result = res.Unmeasured("the check has no compare section: nothing says what to send")
		return out
	}
	o := s.Options()
	res.Expected = describeCompareExpect(c, o)

	lc, err := comparisonSpec(c, canary, baseline)
	if err != nil {
		out.Result = res.Unmeasured(err.Error())
		return out
	}
	res.Target = fmt.Sprintf("%s at %s a side for %s: baseline %s vs canary %s", strings.TrimSpace(cmp.Or(s.Method, "GET")+" "+s.Path),
		s.Rate, s.Duration.Duration, lc.Baseline, lc.Canary)
	total := lc.Spec.Warmup + lc.Spec.Duration
	m, err := load.RunComparison(ctx, lc, func(p load.ComparisonProgress) {
		if progress != nil {
			progress(describeComparisonProgress(c.Name, p, total))
		}
	})
	if err != nil {
		out.Result = res.Unmeasured(err.Error())
		return out
	}
	out.Measured = m
	res.Observed = fmt.Sprintf("baseline: %s; canary: %s", describeLoad(m.Baseline), describeLoad(m.Canary))
	if why := unmeasuredSides(ctx, m, float64(s.Rate), float64(s.RateShortfall())); why != "" {
		out.Result = res.Unmeasured(why)
		return out
	}
	j, err := compare.Compare(m.Baseline.Sample(), m.Canary.Sample(), o)
	if err != nil {
		out.Result = res.Unmeasured(err.Error())
		return out
	}
	out.Judged = &j
	res.Status, res.Reason = j.Verdict.Status(), j.Reason
	res.Parts = compareParts(c, phase, j)
	out.Result = res
	return out
}

// comparisonSpec is the load of a compare check, each side resolved.
func comparisonSpec(c plan.Check, canary, baseline result.Endpoints) (lc load.Comparison, err error) {
	s := c.Compare
	lc = load.Comparison{
		Spec: load.Spec{
			Rate:     float64(s.Rate),
			Duration: s.Duration.Duration,
			Warmup:   s.Warmup.Duration,
			Timeout:  c.Timeout.Or(plan.DefaultCheckTimeout),
		},
		Baseline: s.BaselineURL,
		Canary:   s.CanaryURL,
	}
	defer func() {
		if err == nil && lc.Baseline == lc.Canary {
			err = fmt.Errorf("baseline and canary are the same URL, %s: a service compared with itself says nothing of a canary", lc.Canary)
		}
	}()
	t := load.Target{Method: s.Method, URL: s.Path, Headers: s.Headers, Body: []byte(s.Body)}
	if e, ok := targetExpect(c, plan.Endpoint{}); ok {
		t.Judge = judgeAnswer(e)
		if readsBody(e) {
			lc.Spec.MaxBody = maxBody
		}
	}
	lc.Spec.Targets = []load.Target{t}
	if s.ByURL() {
		return lc, nil
	}
	if baseline == nil {
		return lc, ErrNoBaseline
	}
	if lc.Canary, err = sideURL(canary, c.Service, c.Port); err != nil {
		return lc, fmt.Errorf("canary: %w", err)
	}
	if lc.Baseline, err = sideURL(baseline, c.Service, c.Port); err != nil {
		return lc, fmt.Errorf("baseline: %w", err)
	}
	return lc, nil
}

func sideURL(eps result.Endpoints, service string, port int) (string, error) {
	if eps == nil {
		return "", fmt.Errorf("no stack to resolve service %q", service)
	}
	base, err := eps.BaseURL(service, port)
	if err != nil {
		return "", fmt.Errorf("resolve service %q: %w", service, err)
	}
	return base, nil
}

// unmeasuredSides says why the sides' figures cannot be compared, or "": a
// side interrupted, with no answer at all (down), or sent less load than
// the other was asked to take.
func unmeasuredSides(ctx context.Context, m *load.Compared, rate, tolerance float64) string {
	var why []string
	for i, r := range []*load.Result{m.Baseline, m.Canary} {
		side := load.Sides[i]
		switch short, isShort := r.Shortfall(rate, tolerance); {
		case r.Interrupted || ctx.Err() != nil:
			return "interrupted before the comparison finished"
		case r.Requests == 0:
			why = append(why, side+": no request completed")
		case r.Answered == 0:
			why = append(why, fmt.Sprintf("%s: no request got an answer (%s)", side, describeErrors(r.Errors)))
		case isShort:
			why = append(why, side+": "+short+": the load asked for was not applied")
		}
	}
	return strings.Join(why, "; ")
}

func describeComparisonProgress(name string, p load.ComparisonProgress, total time.Duration) string {
	phase := ""
	if p.Canary.Warmup {
		phase = " (warm-up)"
	}
	return fmt.Sprintf("compare %s: %s/%s%s, baseline %d sent %d error(s), canary %d sent %d error(s)", name,
		p.Canary.Elapsed.Round(time.Second), total.Round(time.Second), phase, p.Baseline.Sent, p.Baseline.Errors, p.Canary.Sent, p.Canary.Errors)
}

// describeCompareExpect says what the canary is held to.
func describeCompareExpect(c plan.Check, o compare.Options) string {
	e := ""
	if x, ok := targetExpect(c, plan.Endpoint{}); ok {
		e = "; answers " + describeExpect(x)
	}
	return fmt.Sprintf("canary not worse than baseline: latency shift, p99 and error rate within %s of the baseline's (at least %s and %s), significance %s, at least %d successes a side (%d for the p99)%s",
		slo.Ratio(o.Tolerance), o.Floor, slo.Ratio(o.ErrorFloor), slo.Ratio(o.Significance), o.MinSamples, slo.P99.MinSamples(), e)
}

// compareParts are the aspects of a comparison, each with its numbers.
func compareParts(c plan.Check, phase string, j compare.Result) []result.Result {
	part := func(name string) result.Result {
		return result.Result{Name: c.Name + ": " + name, Kind: plan.KindCompare, Phase: phase, Attempts: 1}
	}
	n := fmt.Sprintf("n = %d baseline, %d canary successes (at least %d a side)", j.Baseline.Latencies, j.Canary.Latencies, j.MinSamples)
	l, t, e := j.Location, j.Tail, j.Errors

	shift := part("latency shift")
	shift.Expected = fmt.Sprintf("Hodges-Lehmann shift within %s, or not significant", roundDur(l.Allowed))
	tail := part("p99")
	tail.Expected = fmt.Sprintf("p99 difference within %s, or its interval reaching 0", roundDur(t.Allowed))
	errs := part("error rate")
	errs.Expected = fmt.Sprintf("error rate at most %s above the baseline's, or not significant", slo.Ratio(e.Allowed))
	if j.Baseline.Latencies < j.MinSamples || j.Canary.Latencies < j.MinSamples {
		shift = shift.Unmeasured("too few samples: " + n)
		tail = tail.Unmeasured("too few samples: " + n)
	} else {
		shift.Status = l.Verdict.Status()
		shift.Observed = fmt.Sprintf("shift %s [%.0f%% CI %s..%s], U = %.0f, one-sided p %s; %s",
			signed(l.Shift), l.Confidence*100, signed(l.Low), signed(l.High), l.U, compare.PValue(l.P), n)
		shift.Reason = l.Verdict.String()
		if !t.Measured {
			tail = tail.Unmeasured(fmt.Sprintf("p99 needs %d successes a side: %s", j.TailSamples, n))
		} else {
			tail.Status = t.Verdict.Status()
			tail.Observed = fmt.Sprintf("baseline %s, canary %s: %s [%.0f%% CI %s..%s] from %d resamples; %s",
				roundDur(t.Baseline), roundDur(t.Canary), signed(t.Diff), t.Confidence*100, signed(t.Low), signed(t.High), t.Resamples, n)
			tail.Reason = t.Verdict.String()
		}
	}
	if j.Baseline.Requests > 0 && j.Canary.Requests > 0 {
		errs.Status = e.Verdict.Status()
		errs.Observed = fmt.Sprintf("canary %s (%d of %d), baseline %s (%d of %d), Fisher one-sided p %s",
			slo.Ratio(e.Canary), j.Canary.Errors, j.Canary.Requests, slo.Ratio(e.Baseline), j.Baseline.Errors, j.Baseline.Requests, compare.PValue(e.P))
		errs.Reason = e.Verdict.String()
	} else {
		errs = errs.Unmeasured("a side sent no request")
	}
	return []result.Result{shift, tail, errs}
}

// signed writes a latency difference with its sign.
func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + roundDur(d).String()
	}
	return "-" + roundDur(-d).String()
}

// DescribeLoad says what one side of a comparison measured: requests,
// rate, failures by reason, latency percentiles.
func DescribeLoad(lr *load.Result) string { return describeLoad(lr) }
