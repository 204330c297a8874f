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
	Register(Checker{Kind: plan.KindHTTP, Run: runHTTP})
	Register(Checker{Kind: plan.KindLoad, Run: runLoad})
	Register(Checker{Kind: plan.KindPropagation, Run: runPropagation})
	for _, kind := range []string{plan.KindProvenance, plan.KindIntegrity, plan.KindHygiene, plan.KindPackages} {
		Register(Checker{Kind: kind, Run: runImageCheck, StackFree: true})
	}
}

func runHTTP(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.NewHTTPChecker().Run(ctx, c, env.Phase, env.Endpoints)
}

func runLoad(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.RunLoad(ctx, c, env.Phase, env.Endpoints, env.Progress)
}

func runPropagation(ctx context.Context, c plan.Check, env Env) result.Result {
	return check.RunPropagation(ctx, c, env.Phase, env.Endpoints)
}

func runImageCheck(ctx context.Context, c plan.Check, env Env) result.Result {
	return imagecheck.Run(ctx, c, env.Phase, imagecheck.Env{NewImage: env.NewImage, OldImage: env.OldImage, RunID: env.RunID})
}
