package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/check"
	"github.com/postflight/postflight/harness/load"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	checkresult "github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/slo/compare"
)

// compareFlags are postflight compare's flags, as given.
type compareFlags struct {
	baseline, canary, path, method, body         string
	headers                                      []string
	rate, tolerance, significance, rateTolerance string
	duration, warmup, timeout                    time.Duration
	minSamples, expectStatus                     int
	format                                       string
}

func newCompareCmd() *cobra.Command {
	var fl compareFlags
	cmd := &cobra.Command{
		Use:   "compare --baseline URL --canary URL [--path P] [--rate R] [--duration D] [--format text|json]",
		Short: "Send the same load to a baseline and a canary, and say whether the canary is worse",
		Long: `compare sends the same load to two versions of a service at once — the same
rate, the same request, the same duration, started together — and holds the
canary to the baseline with statistics rather than fixed budgets:

  latency shift  Mann-Whitney U (one-sided: is the canary slower?) and the
                 Hodges-Lehmann shift, with its interval
  p99            the p99 difference, with a bootstrap interval: a heavier
                 tail counts even when the median does not move
  error rate     Fisher's exact test (one-sided) on the share of requests
                 that failed: a canary failing 5% where the baseline fails
                 none is worse, whatever absolute budget it would meet

An aspect is worse when its test is significant (p below --significance, or
the interval clear of 0) and its effect beyond --tolerance (of the baseline's
median, p99 or error rate; at least 1 ms, 0.1 points of errors). The canary
is worse when any aspect is; not worse when every aspect is within the
tolerance. Everything else is inconclusive, never a pass: a side that
answered nothing (down), fewer than --min-samples successes a side (the p99
needs 100), a difference beyond the tolerance that the samples cannot tell
from chance, a side that got less load than asked (--rate-tolerance), an
interrupted run. The output shows the p-values, the effects with their
intervals, the error rates and the samples each side gave.

Each answer is judged as it arrives: --expect-status, else a 2xx or 3xx
status; anything else, and a request without an answer from a side that
answered others, is an error of that side. The latencies compared are the
successes'. --path is joined to both URLs; without it the URLs are used as
given.

Progress goes to stderr while the load runs, the result to stdout: text, or
with --format json one object (status, reason, each side's figures, the
comparison's numbers in "comparison", durations in nanoseconds).

In a plan, the same comparison is a check of kind compare (see postflight
validate --help); a canary rollout runs it against a service's stable and
canary versions.

Exit codes:
  0    not worse: every aspect within the tolerance
  1    worse: a significant regression beyond the tolerance
  2    usage error: nothing was sent
  4    inconclusive: a side down, too few samples, or not significant
  130  interrupted (SIGINT/SIGTERM)`,
		Example: `  # a canary beside the stable version, 30s at 50/s each
  postflight compare --baseline http://api-stable:8080 --canary http://api-canary:8080 --path /items

  # longer, stricter, for a CI job that reads the numbers
  postflight compare --baseline http://10.0.0.5:8080/health --canary http://10.0.0.6:8080/health \
      --rate 100/s --duration 2m --tolerance 2% --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := fl.check()
			if err != nil {
				return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
			}
			out := harness.Compare(cmd.Context(), c, cmd.ErrOrStderr())
			if err := writeComparison(cmd.OutOrStdout(), fl.format, c, out); err != nil {
				return err
			}
			return exitCode(comparisonOutcome(cmd, out.Result).ExitCode())
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.baseline, "baseline", "", "base URL of the version to compare with (required)")
	f.StringVar(&fl.canary, "canary", "", "base URL of the version under test (required)")
	f.StringVar(&fl.path, "path", "", `path joined to both URLs, e.g. /items (default: the URLs as given)`)
	f.StringVar(&fl.method, "method", "GET", "HTTP method of the request")
	f.StringArrayVar(&fl.headers, "header", nil, `request header "Name: value" (repeatable)`)
	f.StringVar(&fl.body, "body", "", "request body")
	f.StringVar(&fl.rate, "rate", "50/s", "requests per second to each side (/s, /m or /h)")
	f.DurationVar(&fl.duration, "duration", 30*time.Second, "how long the load is measured, after the warm-up")
	f.DurationVar(&fl.warmup, "warmup", 2*time.Second, "load sent first and left out of the figures")
	f.DurationVar(&fl.timeout, "timeout", plan.DefaultCheckTimeout, "how long one request may take; longer is an error")
	f.IntVar(&fl.expectStatus, "expect-status", 0, "the status every answer must have (default: any 2xx or 3xx)")
	f.StringVar(&fl.tolerance, "tolerance", slo.Ratio(compare.DefaultTolerance).String(), "how much worse the canary may be, relative to the baseline")
	f.StringVar(&fl.significance, "significance", slo.Ratio(compare.DefaultSignificance).String(), "the level of each test, below 50%")
	f.IntVar(&fl.minSamples, "min-samples", compare.DefaultMinSamples, "successes a side needs for any verdict")
	f.StringVar(&fl.rateTolerance, "rate-tolerance", plan.DefaultRateTolerance.String(), "how far short of --rate a side may fall before the result is inconclusive")
	f.StringVar(&fl.format, "format", "text", "output: text or json")
	return cmd
}

// check turns the flags into a compare check, or says every mistake.
func (fl compareFlags) check() (plan.Check, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	s := &plan.CompareSpec{BaselineURL: fl.baseline, CanaryURL: fl.canary, Method: strings.ToUpper(fl.method), Path: fl.path, Body: fl.body,
		Duration: plan.Duration{Duration: fl.duration, Set: true}, Warmup: plan.Duration{Duration: fl.warmup, Set: true}, MinSamples: fl.minSamples}
	for _, side := range []struct{ flag, url string }{{"--baseline", fl.baseline}, {"--canary", fl.canary}} {
		if u, err := url.Parse(side.url); side.url == "" {
			bad("%s: required: the base URL of that side", side.flag)
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s: expected an absolute http or https URL, got %q", side.flag, side.url)
		}
	}
	if fl.baseline != "" && fl.baseline == fl.canary {
		bad("--canary: the baseline's URL too: a service compared with itself says nothing of a canary")
	}
	if fl.path != "" && !strings.HasPrefix(fl.path, "/") {
		bad(`--path: expected a path starting with "/", got %q`, fl.path)
	}
	if !slices.Contains([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}, s.Method) {
		bad("--method: unknown HTTP method %q", fl.method)
	}
	for _, h := range fl.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			bad(`--header: expected "Name: value", got %q`, h)
			continue
		}
		if s.Headers == nil {
			s.Headers = map[string]string{}
		}
		s.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	var err error
	if s.Rate, err = slo.ParseRate(fl.rate); err != nil {
		bad("--rate: %v", err)
	} else if s.Rate > plan.MaxRate {
		bad("--rate: expected at most %d/s, got %s", plan.MaxRate, s.Rate)
	}
	if fl.duration <= 0 || fl.duration > plan.MaxDuration || fl.warmup < 0 || fl.warmup > plan.MaxDuration || fl.timeout <= 0 || fl.timeout > plan.MaxDuration {
		bad("--duration, --warmup, --timeout: expected more than 0 (a warm-up may be 0) and at most %s, got %s, %s, %s", plan.MaxDuration, fl.duration, fl.warmup, fl.timeout)
	} else if err == nil && float64(s.Rate)*fl.duration.Seconds() < float64(fl.minSamples) {
		bad("--min-samples: %d successes a side cannot come from %s at %s (%.0f requests): raise --rate or --duration", fl.minSamples, fl.duration, s.Rate, float64(s.Rate)*fl.duration.Seconds())
	}
	ratio := func(flag, v string, ok func(slo.Ratio) bool, want string) *slo.Ratio {
		r, err := slo.ParseRatio(v)
		if err != nil || !ok(r) {
			bad("%s: expected %s, got %q", flag, want, v)
		}
		return &r
	}
	s.Tolerance = ratio("--tolerance", fl.tolerance, func(slo.Ratio) bool { return true }, "a percentage such as 5%")
	s.Significance = ratio("--significance", fl.significance, func(r slo.Ratio) bool { return r > 0 && r < 0.5 }, "a percentage above 0% and below 50%")
	s.RateTolerance = ratio("--rate-tolerance", fl.rateTolerance, func(r slo.Ratio) bool { return r <= plan.MaxRateTolerance }, "a percentage of at most "+plan.MaxRateTolerance.String())
	if fl.minSamples < 2 {
		bad("--min-samples: expected at least 2, got %d", fl.minSamples)
	}
	c := plan.Check{Name: "baseline-vs-canary", Kind: plan.KindCompare, Timeout: plan.Duration{Duration: fl.timeout, Set: true}, Compare: s}
	if fl.expectStatus != 0 {
		if fl.expectStatus < 100 || fl.expectStatus > 599 {
			bad("--expect-status: expected 100 to 599, got %d", fl.expectStatus)
		}
		c.Expect.Status = fl.expectStatus
	}
	if fl.format != "text" && fl.format != "json" {
		bad("--format: expected text or json, got %q", fl.format)
	}
	return c, errors.Join(errs...)
}

// comparisonOutcome is the outcome a comparison's status exits with.
func comparisonOutcome(cmd *cobra.Command, r checkresult.Result) report.Outcome {
	switch {
	case cmd.Context().Err() != nil:
		return report.Interrupted
	case r.Status == slo.Pass:
		return report.Passed
	case r.Status == slo.Fail:
		return report.Failed
	}
	return report.Inconclusive
}

// comparisonJSON is postflight compare --format json.
type comparisonJSON struct {
	Status   slo.Status           `json:"status"`
	Reason   string               `json:"reason"`
	Target   string               `json:"target"`
	Expected string               `json:"expected"`
	Duration time.Duration        `json:"duration_ns"`
	Baseline *sideJSON            `json:"baseline"`
	Canary   *sideJSON            `json:"canary"`
	Judged   *compare.Result      `json:"comparison"`
	Parts    []checkresult.Result `json:"parts"`
}

// sideJSON is what one side measured.
type sideJSON struct {
	URL       string              `json:"url"`
	Requests  int                 `json:"requests"`
	Successes int                 `json:"successes"`
	Failures  int                 `json:"failures"`
	Rate      float64             `json:"rate_per_s"`
	Errors    map[load.Reason]int `json:"errors"`
	P50       time.Duration       `json:"p50_ns"`
	P99       time.Duration       `json:"p99_ns"`
}

func side(base, path string, lr *load.Result) *sideJSON {
	s := &sideJSON{URL: load.JoinURL(base, path)}
	if lr == nil {
		return s
	}
	s.Requests, s.Successes, s.Failures, s.Rate, s.Errors = lr.Requests, lr.Successes, lr.Failures, lr.Rate, lr.Errors
	if len(lr.Latencies) > 0 {
		s.P50, s.P99 = slo.Percentile(lr.Latencies, 0.5), slo.Percentile(lr.Latencies, 0.99)
	}
	return s
}

func writeComparison(w io.Writer, format string, c plan.Check, out check.Comparison) error {
	r := out.Result
	var b, k *load.Result
	if out.Measured != nil {
		b, k = out.Measured.Baseline, out.Measured.Canary
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(comparisonJSON{Status: r.Status, Reason: r.Reason, Target: r.Target, Expected: r.Expected, Duration: r.Duration,
			Baseline: side(c.Compare.BaselineURL, c.Compare.Path, b), Canary: side(c.Compare.CanaryURL, c.Compare.Path, k), Judged: out.Judged, Parts: r.Parts})
	}
	var t strings.Builder
	fmt.Fprintf(&t, "compare   %s\n", r.Target)
	fmt.Fprintf(&t, "expected  %s\n", r.Expected)
	for i, lr := range []*load.Result{b, k} {
		if lr != nil {
			fmt.Fprintf(&t, "%-9s %s\n", load.Sides[i], checkresult.Result{Observed: check.DescribeLoad(lr)}.Safe().Observed)
		}
	}
	for _, p := range r.Parts {
		_, name, _ := strings.Cut(p.Name, ": ")
		detail := p.Observed
		if p.Status == slo.Inconclusive && strings.HasPrefix(p.Reason, checkresult.UnmeasuredPrefix) {
			detail = p.Reason
		}
		fmt.Fprintf(&t, "  %-12s  %-13s %s\n", strings.ToUpper(p.Status.String()), name, detail)
	}
	fmt.Fprintf(&t, "%s: %s (%s)\n", strings.ToUpper(r.Status.String()), r.Reason, r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, t.String())
	return err
}
