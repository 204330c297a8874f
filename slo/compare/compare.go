package compare

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/postflight/postflight/slo"
)

// Result is a comparison: the verdict, why, and the numbers behind it.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Reason says in one line what decided, with the numbers in words.
	Reason string `json:"reason"`
	// MinSamples is the fewest latencies a side needed for any verdict,
	// TailSamples the fewest for the p99 interval.
	MinSamples  int `json:"min_samples"`
	TailSamples int `json:"tail_samples"`
	// Baseline and Canary count what each side answered.
	Baseline Counts `json:"baseline"`
	Canary   Counts `json:"canary"`
	// The aspects; empty when the samples were too few for any (but the
	// error rates, when both sides sent requests).
	Location Location   `json:"latency_shift"`
	Tail     Tail       `json:"p99"`
	Errors   ErrorRates `json:"error_rate"`
}

// Counts is the size of one side's sample.
type Counts struct {
	Latencies int `json:"latencies"`
	Requests  int `json:"requests"`
	Errors    int `json:"errors"`
}

// Compare judges the canary against the baseline. It fails only on invalid
// options or inconsistent samples; too little data is an inconclusive
// result, not an error.
func Compare(baseline, canary Sample, o Options) (Result, error) {
	if err := errors.Join(o.Validate(), baseline.validate("baseline"), canary.validate("canary")); err != nil {
		return Result{}, fmt.Errorf("compare baseline and canary: %w", err)
	}
	r := Result{
		Verdict:     Inconclusive,
		MinSamples:  o.MinSamples,
		TailSamples: slo.P99.MinSamples(),
		Baseline:    counts(baseline),
		Canary:      counts(canary),
	}
	if why := r.tooFew(); why != "" {
		r.Reason = why
		// Too few successes to time say nothing of latency, but a canary
		// that fails where the baseline answers is worse all the same.
		if baseline.Requests > 0 && canary.Requests > 0 {
			r.Errors = compareErrors(baseline, canary, o)
			if r.Errors.Verdict == Worse {
				r.Verdict = Worse
				r.Reason = fmt.Sprintf("canary worse: error rate significant and beyond the tolerance, latencies not compared (%s; %s)", why, r.Errors)
			}
		}
		return r, nil
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x706f7374666c6967))
	b, c := baseline.sorted(), canary.sorted()
	loc, err := compareLocation(b, c, o, rng)
	if err != nil {
		return Result{}, fmt.Errorf("compare baseline and canary latencies: %w", err)
	}
	r.Location = loc
	r.Tail = compareTail(b, c, o, rng)
	r.Errors = compareErrors(baseline, canary, o)
	r.Verdict = max(r.Location.Verdict, r.Tail.Verdict, r.Errors.Verdict)
	r.Reason = r.reason()
	return r, nil
}

func counts(s Sample) Counts {
	return Counts{Latencies: len(s.Latencies), Requests: s.Requests, Errors: s.Errors}
}

// tooFew says why the samples cannot be compared at all, or "".
func (r Result) tooFew() string {
	var none []string
	for _, s := range []struct {
		side string
		c    Counts
	}{{"baseline", r.Baseline}, {"canary", r.Canary}} {
		if s.c.Requests == 0 || s.c.Latencies == 0 {
			none = append(none, s.side)
		}
	}
	if len(none) > 0 {
		return fmt.Sprintf("no %s data: nothing to compare", strings.Join(none, " or "))
	}
	if r.Baseline.Latencies < r.MinSamples || r.Canary.Latencies < r.MinSamples {
		return fmt.Sprintf("too few samples: %d baseline and %d canary latencies, need %d a side",
			r.Baseline.Latencies, r.Canary.Latencies, r.MinSamples)
	}
	return ""
}

// reason names the aspects that decided the verdict, then the numbers.
func (r Result) reason() string {
	var worse, unsure []string
	for _, a := range []struct {
		name    string
		verdict Verdict
	}{{"latency shift", r.Location.Verdict}, {"p99", r.Tail.Verdict}, {"error rate", r.Errors.Verdict}} {
		switch {
		case a.verdict == Worse:
			worse = append(worse, a.name)
		case a.name == "p99" && !r.Tail.Measured:
			unsure = append(unsure, fmt.Sprintf("p99 not compared (%d latencies a side needed)", r.TailSamples))
		case a.verdict == Inconclusive:
			unsure = append(unsure, a.name+" beyond the tolerance but not significant")
		}
	}
	var why string
	switch {
	case len(worse) > 0:
		why = "canary worse: " + strings.Join(worse, ", ") + " significant and beyond the tolerance"
	case len(unsure) > 0:
		why = "cannot tell: " + strings.Join(unsure, "; ")
	default:
		why = "canary not worse: every difference within the tolerance"
	}
	return why + " (" + r.Numbers() + ")"
}

// Numbers writes the measured effects and p-values in words: "p99 +41 ms
// [98% CI +30..+52 ms], U p = 0.002, HL shift +12 ms [98% CI +8..+16 ms],
// errors 0.4% vs 0.3% (p = 0.41)".
func (r Result) Numbers() string {
	var parts []string
	if t := r.Tail; t.Measured {
		parts = append(parts, fmt.Sprintf("p99 %s [%s CI %s..%s, allowed %s]",
			signedMs(t.Diff), percent(t.Confidence), signedMs(t.Low), signedMs(t.High), signedMs(t.Allowed)))
	}
	l := r.Location
	parts = append(parts, fmt.Sprintf("U p %s", PValue(l.P)),
		fmt.Sprintf("HL shift %s [%s CI %s..%s, allowed %s]", signedMs(l.Shift), percent(l.Confidence), signedMs(l.Low), signedMs(l.High), signedMs(l.Allowed)))
	parts = append(parts, r.Errors.String())
	parts = append(parts, fmt.Sprintf("n = %d baseline, %d canary", r.Baseline.Latencies, r.Canary.Latencies))
	return strings.Join(parts, ", ")
}
