package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// serviceLister is a stack that can list its services.
type serviceLister interface{ Services() []string }

// prepareGinkgo builds a check's suite at the start of its phase, while the
// stack comes up: the value is the *ginkgosuite.Built, or the error.
func prepareGinkgo(ctx context.Context, c plan.Check) (any, func()) {
	built, err := ginkgosuite.Build(ctx, ginkgoSuite(c))
	if err != nil {
		return err, nil
	}
	return built, built.Remove
}

// ginkgoSuite is the suite a check names.
func ginkgoSuite(c plan.Check) ginkgosuite.Suite {
	g := c.Ginkgo
	return ginkgosuite.Suite{Package: g.Package, Binary: g.Binary, LabelFilter: g.LabelFilter, Timeout: c.Timeout.Duration}
}

// portLister is a stack that can list a service's container ports.
type portLister interface{ Ports(service string) []int }

// runGinkgo runs a user's Ginkgo suite against the stack: every spec is a
// part of the check's result. A failed spec fails the check; a suite that
// does not build, crashes, times out or runs no spec could not measure.
func runGinkgo(ctx context.Context, c plan.Check, env Env) (res result.Result) {
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	g := c.Ginkgo
	suite := ginkgoSuite(c)
	res = result.Result{Target: suite.String(), Expected: "every spec passes", Attempts: 1}
	if g.LabelFilter != "" {
		res.Expected = fmt.Sprintf("every spec labelled %s passes", g.LabelFilter)
	}
	services := g.Services
	if l, ok := env.Endpoints.(serviceLister); ok && len(services) == 0 {
		services = l.Services()
	}
	eps := map[string]string{}
	for _, s := range services {
		if env.Endpoints == nil {
			return res.Unmeasuredf("service %s: no stack to reach it in", s)
		}
		u, err := env.Endpoints.BaseURL(s, 0)
		if err != nil {
			return res.Unmeasured(err.Error())
		}
		eps[ginkgosuite.EndpointKey(s, 0)] = u
		if l, ok := env.Endpoints.(portLister); ok {
			for _, port := range l.Ports(s) {
				if u, err := env.Endpoints.BaseURL(s, port); err == nil {
					eps[ginkgosuite.EndpointKey(s, port)] = u
				}
			}
		}
	}
	vars, err := ginkgosuite.SuiteEnv{RunID: env.RunID, Phase: env.Phase, NewImage: env.NewImage, Endpoints: eps}.Environ()
	if err != nil {
		return res.Unmeasured(err.Error())
	}
	if env.Prepared != nil {
		switch v := env.Prepared(ctx).(type) {
		case *ginkgosuite.Built:
			suite = v.Suite
		case error:
			return res.Unmeasured(v.Error())
		}
	}
	out, err := ginkgosuite.Run(ctx, suite, vars)
	var specs []ginkgosuite.Spec
	if out != nil {
		specs = out.Specs
		res.Parts = specResults(c, env.Phase, specs)
	}
	if err != nil {
		return res.Unmeasured(err.Error())
	}
	return judgeSpecs(res, specs)
}

// specFinding is what a spec found: passed, failed, or no verdict
// (skipped, pending, panicked, interrupted). note words it.
func specFinding(s ginkgosuite.Spec, note string) slo.Finding {
	switch s.Status {
	case ginkgosuite.Passed:
		return slo.Met(note)
	case ginkgosuite.Failed:
		return slo.Missed(note)
	}
	return slo.NotMeasured(note)
}

// specResults maps the suite's specs to results.
func specResults(c plan.Check, phase string, specs []ginkgosuite.Spec) []result.Result {
	out := make([]result.Result, 0, len(specs))
	for _, s := range specs {
		r := result.Result{Name: s.Text, Kind: c.Kind, Phase: phase, Target: s.Location, Expected: "passes",
			Observed: string(s.Status), Attempts: 1, Duration: s.Duration}
		out = append(out, r.Found(specFinding(s, s.Message)))
	}
	return out
}

// judgeSpecs decides the check from its specs: a failed spec fails it,
// naming each with its message and location; a spec that did not pass
// otherwise (skipped, pending, panicked) leaves it inconclusive; all
// passed, it passes.
func judgeSpecs(res result.Result, specs []ginkgosuite.Spec) result.Result {
	findings := make([]slo.Finding, 0, len(specs))
	for _, s := range specs {
		note := fmt.Sprintf("%q %s", s.Text, s.Status)
		if s.Status == ginkgosuite.Failed {
			note = fmt.Sprintf("%q at %s: %s", s.Text, s.Location, firstLine(s.Message))
		}
		findings = append(findings, specFinding(s, note))
	}
	j := slo.Judge(findings, slo.Wording{
		Held: func(j slo.Judgement) string { return fmt.Sprintf("all %d spec(s) passed", len(j.Held)) },
		Missed: func(j slo.Judgement) string {
			return fmt.Sprintf("%d spec(s) failed: %s", len(j.Missed), slo.Notes(j.Missed))
		},
		Unmeasured: func(j slo.Judgement) string {
			return fmt.Sprintf("%s%d spec(s) without a verdict: %s", result.UnmeasuredPrefix, len(j.Unmeasured), slo.Notes(j.Unmeasured))
		},
		Nothing: result.UnmeasuredPrefix + "no spec ran",
	})
	res.Observed = fmt.Sprintf("%d spec(s): %d passed, %d failed, %d without a verdict", len(specs), len(j.Held), len(j.Missed), len(j.Unmeasured))
	return res.Judged(j)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
