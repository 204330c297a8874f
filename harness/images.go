package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// CheckImages runs only the plan's image checks — provenance, registry
// integrity, host hygiene — against what is deployed and in the registry:
// no stack is started and nothing is rolled back. The outcome is passed,
// failed or inconclusive.
func CheckImages(ctx context.Context, p *plan.Plan, opts Options) (*report.Report, error) {
	r := newRun(p, opts)
	var checks []plan.Check
	for _, c := range p.Checks {
		if slices.Contains(plan.ImageKinds, c.Kind) {
			checks = append(checks, c)
		}
	}
	if len(checks) == 0 {
		return nil, fmt.Errorf("%s: the plan has no provenance, integrity or hygiene check", p.Path)
	}
	if err := r.reportDirWritable(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Path, err)
	}
	r.logf("run %s: image checks of %s", r.rep.RunID, p.Path)
	r.rep.Stack = "images, registry and host (no stack started)"
	r.rep.Checks = r.phase(ctx, engine.PhaseCheck, checks, nil, nil)
	r.rep.Verdict = slo.Decide(result.Outcomes(r.rep.Checks))
	r.logf("verdict: %s: %s", r.rep.Verdict.Status, r.rep.Verdict.Reason)
	r.conclude(ctx)
	r.writeReports()
	return r.rep, nil
}
