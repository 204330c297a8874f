package suites

import (
	"context"
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/postflight/postflight/harness/check"
	"github.com/postflight/postflight/harness/imagecheck"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Run runs one check of any kind and returns its result. It is what the
// built-in specs call, and what users' own specs call too:
//
//	It("serves the home page", func(ctx SpecContext) {
//		r := suites.Run(ctx, plan.Check{Name: "home", Kind: "http", URL: base + "/"}, "check", nil)
//		Expect(r).To(suites.Pass())
//	})
func Run(ctx context.Context, c plan.Check, phase string, eps result.Endpoints) result.Result {
	return runCheck(ctx, c, phase, checkEnv{eps: eps})
}

// checkEnv is what checks need of the run besides the check itself.
type checkEnv struct {
	eps      result.Endpoints
	progress result.Progress
	images   imagecheck.Env
}

// runCheck runs a check of any kind; long ones report progress. Its text is
// made safe before anything shows or passes it on.
func runCheck(ctx context.Context, c plan.Check, phase string, env checkEnv) result.Result {
	return measure(ctx, c, phase, env).Safe()
}

func measure(ctx context.Context, c plan.Check, phase string, env checkEnv) result.Result {
	switch c.Kind {
	case plan.KindHTTP, "":
		return check.NewHTTPChecker().Run(ctx, c, phase, env.eps)
	case plan.KindLoad:
		return check.RunLoad(ctx, c, phase, env.eps, env.progress)
	case plan.KindPropagation:
		return check.RunPropagation(ctx, c, phase, env.eps)
	case plan.KindProvenance, plan.KindIntegrity, plan.KindHygiene, plan.KindPackages:
		return imagecheck.Run(ctx, c, phase, env.images)
	default:
		return result.Result{Name: c.Name, Kind: c.Kind, Phase: phase, Status: slo.Inconclusive,
			Reason: fmt.Sprintf("unknown check kind %q", c.Kind)}
	}
}

// Pass matches a result.Result whose status is pass; on failure it prints
// what was expected, what came back and why.
func Pass() types.GomegaMatcher { return HaveStatus(slo.Pass) }

// HaveStatus matches a result.Result with the given status.
func HaveStatus(s slo.Status) types.GomegaMatcher { return statusMatcher{want: s} }

type statusMatcher struct{ want slo.Status }

func (m statusMatcher) Match(actual any) (bool, error) {
	r, ok := actual.(result.Result)
	if !ok {
		return false, fmt.Errorf("HaveStatus expects a result.Result, got %T", actual)
	}
	return r.Status == m.want, nil
}

func (m statusMatcher) FailureMessage(actual any) string {
	r, _ := actual.(result.Result)
	return fmt.Sprintf("check %q is %s, want %s\n  target:   %s\n  expected: %s\n  observed: %s\n  reason:   %s",
		r.Name, r.Status, m.want, r.Target, r.Expected, r.Observed, r.Reason)
}

func (m statusMatcher) NegatedFailureMessage(actual any) string {
	r, _ := actual.(result.Result)
	return fmt.Sprintf("check %q is %s, want anything else", r.Name, r.Status)
}
