// Package suites gives users' own Ginkgo specs postflight's checks: Run
// runs a check of any kind, and the matchers Pass and HaveStatus explain a
// result that is not what the spec wants.
//
//	It("serves the home page", func(ctx SpecContext) {
//		r := suites.Run(ctx, plan.Check{Name: "home", Kind: "http", URL: base + "/"}, suites.PhaseCheck, nil)
//		Expect(r).To(suites.Pass())
//	})
package suites

import (
	"context"
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Phases of a run.
const (
	PhaseCheck  = engine.PhaseCheck
	PhaseVerify = engine.PhaseVerify
)

// Run runs one check of any kind and returns its result, its text made
// safe to print. eps resolves the services the check names; nil when it
// names URLs.
func Run(ctx context.Context, c plan.Check, phase string, eps result.Endpoints) result.Result {
	return engine.RunCheck(ctx, c, engine.Env{Phase: phase, Endpoints: eps})
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
