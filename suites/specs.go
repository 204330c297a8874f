package suites

import (
	"fmt"

	"github.com/onsi/ginkgo/v2"

	"github.com/postflight/postflight/harness/imagecheck"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// phaseLabel marks the specs of a phase process.
const phaseLabel = "postflight-phase"

// Labels of the built-in specs: the check's kind ("http") and its phase
// ("phase:check", "phase:verify"), so a label filter such as
// "http && phase:verify" selects specs.
func specLabels(c plan.Check, phase string) ginkgo.Labels {
	return ginkgo.Label(c.Kind, "phase:"+phase)
}

// RegisterChecks adds one spec per check of the request to the Ginkgo tree,
// each calling record with its result. A failed check fails its spec; one
// that could not measure is skipped with the reason, never passed. Specs run
// in the plan's order (a check may read what an earlier one wrote), and a
// failed one does not stop the rest unless the request fails fast: then
// Ginkgo skips the specs after it, and they report nothing.
func RegisterChecks(req PhaseRequest, record func(result.Result), progress result.Progress) bool {
	env := checkEnv{eps: Endpoints(req.Endpoints), progress: progress,
		images: imagecheck.Env{NewImage: req.NewImage, OldImage: req.OldImage, RunID: req.RunID}}
	decorations := []any{ginkgo.Label(phaseLabel), ginkgo.Ordered}
	if !req.FailFast {
		decorations = append(decorations, ginkgo.ContinueOnFailure)
	}
	return ginkgo.Describe(req.Phase, append(decorations, func() {
		for _, c := range req.Checks {
			ginkgo.It(c.Name, specLabels(c, req.Phase), func(ctx ginkgo.SpecContext) {
				r := runCheck(ctx, c, req.Phase, env)
				record(r)
				ginkgo.AddReportEntry("result", r)
				switch r.Status {
				case slo.Fail:
					ginkgo.Fail(fmt.Sprintf("%s: expected %s, observed %s", r.Reason, r.Expected, r.Observed))
				case slo.Inconclusive:
					ginkgo.Skip("inconclusive: " + r.Reason)
				}
			})
		}
	})...)
}

// Endpoints are resolved base URLs keyed by EndpointKey.
type Endpoints map[string]string

// BaseURL implements result.Endpoints.
func (e Endpoints) BaseURL(service string, port int) (string, error) {
	if u, ok := e[EndpointKey(service, port)]; ok {
		return u, nil
	}
	return "", fmt.Errorf("service %s (port %d) is not reachable in this stack", service, port)
}

var _ result.Endpoints = Endpoints(nil)
