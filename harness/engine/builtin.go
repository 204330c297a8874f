package engine

import (
	"context"

	"github.com/postflight/postflight/harness/check"
	"github.com/postflight/postflight/harness/imagecheck"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
)

// The built-in kinds: one line each.
func init() {
	Register(Checker{Kind: plan.HTTPKind, Run: runHTTP})
	Register(Checker{Kind: plan.LoadKind, Run: runLoad})
	Register(Checker{Kind: plan.PropagationKind, Run: runPropagation})
	Register(Checker{Kind: plan.ProvenanceKind, Run: imageCheck(imagecheck.Provenance)})
	Register(Checker{Kind: plan.IntegrityKind, Run: imageCheck(imagecheck.Integrity)})
	Register(Checker{Kind: plan.HygieneKind, Run: imageCheck(imagecheck.Hygiene)})
	Register(Checker{Kind: plan.PackagesKind, Run: imageCheck(imagecheck.Packages)})
	Register(Checker{Kind: plan.GinkgoKind, Run: runGinkgo, Prepare: prepareGinkgo})
	Register(Checker{Kind: plan.CompareKind, Run: runCompare})
}

func runHTTP(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.NewHTTPChecker().Run(ctx, c, env.Phase, env.Endpoints)
}

func runLoad(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.RunLoad(ctx, c, env.Phase, env.Endpoints, env.Progress)
}

// runCompare compares the canary (Endpoints) with the baseline (Baseline,
// set by a canary rollout), or the check's two URLs.
func runCompare(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.RunCompare(ctx, c, env.Phase, env.Endpoints, env.Baseline, env.Progress)
}

func runPropagation(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.RunPropagation(ctx, c, env.Phase, env.Endpoints)
}

// imageCheck adapts a check of images, registries or the host.
func imageCheck(run func(context.Context, plan.Check, string, imagecheck.Env) result.Result) func(context.Context, plan.Check, Env) result.Result {
	return func(ctx context.Context, c plan.Check, env Env) result.Result {
		return run(ctx, c, env.Phase, imagecheck.Env{NewImage: env.NewImage, OldImage: env.OldImage, RunID: env.RunID})
	}
}
