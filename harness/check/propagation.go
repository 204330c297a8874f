package check

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/propagation"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// RunPropagation runs a "propagation" check alone: write a token, time until
// every read shows it.
func RunPropagation(ctx context.Context, c plan.Check, phase string, eps result.Endpoints) (res result.Result) {
	start := time.Now()
	objs := c.Budgets.Objectives()
	res = result.Result{Name: c.Name, Kind: plan.KindPropagation, Phase: phase, Attempts: 1, Expected: describeObjectives(objs)}
	defer func() { res.Duration = time.Since(start) }()
	ps, err := propagationSpec(c, eps)
	if err != nil {
		return res.Unmeasured(err.Error())
	}
	res.Target = describePropagationTarget(ps)
	pr, err := propagation.Run(ctx, ps)
	switch {
	case err != nil:
		return res.Unmeasured(err.Error())
	case pr.Interrupted || ctx.Err() != nil:
		return res.Unmeasured("interrupted before the samples were taken")
	}
	res.Observed = describePropagation(pr)
	res.Propagation = result.NewHistogram(pr.Delays)
	m := slo.Measurements{Propagation: pr.Delays, PropagationLost: pr.NeverShown}
	if f, decided := judgePropagation(pr); decided {
		return res.Evaluate(objs, m).Also(f)
	}
	return res.Evaluate(objs, m)
}

// judgePropagation decides a propagation run before its budgets do when a
// sample was not measured: every sample taken must have shown.
//
// It is inconclusive when the run could not measure at all: a read echoes
// the request (it shows a token before it is written), a read endpoint never
// answered, or no write got an answer. Otherwise any sample that failed to
// write, never showed, or could not be checked for an echo fails the check.
//
// It returns the finding that decides, when one does.
func judgePropagation(pr *propagation.Result) (f slo.Finding, decided bool) {
	if pr.Echoed > 0 {
		return slo.NotMeasured(fmt.Sprintf("%s — it echoes the request? (%d of %d samples)", pr.EchoExample, pr.Echoed, pr.Taken)), true
	}
	for _, e := range pr.Endpoints {
		// A read that timed out before the write is an attempt too, though
		// its poll was cut short and not counted.
		if (e.Polls > 0 || e.Unchecked > 0) && e.Answered == 0 {
			return slo.NotMeasured(fmt.Sprintf("read endpoint %s %s never answered: %s (e.g. %s)",
				e.Method, e.URL, cmp.Or(describeCounts(e.Misses), propagation.ReasonTimeout), e.LastMiss)), true
		}
	}
	if pr.Written == 0 && pr.WritesAnswered == 0 && pr.FailedWrites > 0 {
		return slo.NotMeasured(fmt.Sprintf("no write got an answer: %s (e.g. %s)", describeCounts(pr.WriteErrors), pr.WriteExample)), true
	}
	var failed []string
	if pr.FailedWrites > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d samples failed to write (%s)", pr.FailedWrites, pr.Taken, describeCounts(pr.WriteErrors)))
	}
	if pr.NeverShown > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d samples never showed (e.g. %s)", pr.NeverShown, pr.Taken, pr.NeverShownExample))
	}
	if pr.Unchecked > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d samples were not written: a read gave no answer before the write (e.g. %s)", pr.Unchecked, pr.Taken, pr.UncheckedExample))
	}
	if len(failed) > 0 {
		return slo.Missed(strings.Join(failed, "; ")), true
	}
	if pr.Shown == 0 {
		return slo.NotMeasured("no sample taken"), true
	}
	return slo.Finding{}, false
}

func propagationSpec(c plan.Check, eps result.Endpoints) (propagation.Spec, error) {
	p := c.Propagation
	s := propagation.Spec{Field: p.Field, Samples: p.Samples, Concurrency: p.Concurrency,
		Interval: p.Interval.Or(plan.DefaultPropagationInterval), Timeout: p.Timeout.Or(plan.DefaultPropagationTimeout)}
	req := func(e plan.Endpoint) (propagation.Request, error) {
		u, err := endpointURL(e, c.Service, eps)
		return propagation.Request{Method: e.Method, URL: u, Headers: e.Headers, Body: []byte(e.Body)}, err
	}
	var err error
	if s.Write, err = req(p.Write); err != nil {
		return s, err
	}
	for _, r := range p.Reads {
		rr, err := req(r)
		if err != nil {
			return s, err
		}
		s.Reads = append(s.Reads, rr)
	}
	return s, nil
}

// describePropagation counts every sample by what became of it, with an
// example cause for each kind of failure, then the delays of those shown.
func describePropagation(pr *propagation.Result) string {
	s := fmt.Sprintf("propagation: %d samples: %d written, %d failed to write", pr.Taken, pr.Written, pr.FailedWrites)
	if pr.FailedWrites > 0 {
		s += fmt.Sprintf(" (%s; e.g. %s)", describeCounts(pr.WriteErrors), pr.WriteExample)
	}
	s += fmt.Sprintf(", %d shown, %d never shown", pr.Shown, pr.NeverShown)
	if pr.NeverShown > 0 {
		s += fmt.Sprintf(" (e.g. %s)", pr.NeverShownExample)
	}
	if pr.Unchecked > 0 {
		s += fmt.Sprintf(", %d not written for want of an answer before the write (e.g. %s)", pr.Unchecked, pr.UncheckedExample)
	}
	if pr.Echoed > 0 {
		s += fmt.Sprintf(", %d echoed (e.g. %s)", pr.Echoed, pr.EchoExample)
	}
	if d := pr.Delays; len(d) > 0 {
		s += fmt.Sprintf("; shown in p50 %s max %s", roundDur(slo.Percentile(d, 0.5)), roundDur(d[len(d)-1]))
	}
	return s
}

func describePropagationTarget(s propagation.Spec) string {
	reads := make([]string, len(s.Reads))
	for i, r := range s.Reads {
		reads[i] = r.URL
	}
	return fmt.Sprintf("%s %s, then %s", s.Write.Method, s.Write.URL, strings.Join(reads, ", "))
}
