package rollback

import (
	"fmt"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Failure is an objective, or a check without objectives, that fell short
// or could not be measured: what the webhook sends as failing_objectives.
type Failure struct {
	Check string `json:"check"`
	// Objective is the budget's name ("p99 latency"); empty for a check
	// judged as a whole (an http check).
	Objective string `json:"objective,omitempty"`
	// Status is "fail" or "inconclusive".
	Status   string `json:"status"`
	Observed string `json:"observed,omitempty"`
	// Budget is what was expected: "at most 250ms", "status 200".
	Budget string `json:"budget,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// FailuresFrom lists what fell short in a run's check results: each failed
// or inconclusive objective of a check with objectives, else the check.
func FailuresFrom(results []result.Result) []Failure {
	var out []Failure
	for _, r := range results {
		if r.Status == slo.Pass {
			continue
		}
		n := len(out)
		for _, o := range r.Objectives {
			if o.Status == slo.Pass {
				continue
			}
			f := Failure{Check: r.Name, Objective: o.Objective, Status: o.Status.String(),
				Budget: fmt.Sprintf("%s %s", o.Bound, o.Budget)}
			if o.Status == slo.Fail {
				f.Observed = o.Observed.String()
			}
			out = append(out, f)
		}
		if len(out) == n {
			out = append(out, Failure{Check: r.Name, Status: r.Status.String(), Observed: r.Observed, Budget: r.Expected, Reason: r.Reason})
		}
	}
	return out
}
