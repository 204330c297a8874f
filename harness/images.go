package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
)

// CheckImages runs only the plan's image checks — provenance, registry
// integrity, host hygiene — against what is deployed and in the registry:
// no stack is started and nothing is rolled back. The outcome is passed,
// failed or inconclusive.
func CheckImages(ctx context.Context, p *plan.Plan, opts Options) (*report.Report, error) {
	return newRun(p, opts).do(ctx, checkImagesSteps)
}

// checkImagesSteps are `postflight check images`, top to bottom.
var checkImagesSteps = []step{
	{"preflight", (*run).imagesPreflight},
	{"checks", (*run).imageChecks},
	{"verdict", (*run).decide},
	{"outcome", (*run).conclude},
	{"reports", (*run).writeReports},
}

// imagesPreflight refuses a plan without image checks, and a report
// directory that takes no files.
func (r *run) imagesPreflight(context.Context) (string, error) {
	if len(r.imageChecksOf()) == 0 {
		return "", errors.New("the plan has no provenance, integrity or hygiene check")
	}
	return "", r.reportDirWritable()
}

// imageChecksOf are the plan's checks of images, registries and the host.
func (r *run) imageChecksOf() []plan.Check {
	var checks []plan.Check
	for _, c := range r.plan.Checks {
		if slices.Contains(plan.ImageKinds, c.Kind) {
			checks = append(checks, c)
		}
	}
	return checks
}

// imageChecks runs them, with no stack.
func (r *run) imageChecks(ctx context.Context) (string, error) {
	r.logf("run %s: image checks of %s", r.rep.RunID, r.plan.Path)
	r.rep.Stack = "images, registry and host (no stack started)"
	r.rep.Checks = r.phase(ctx, engine.PhaseCheck, r.imageChecksOf(), nil, nil)
	return fmt.Sprintf("%d check(s)", len(r.rep.Checks)), nil
}
