// Package result holds what every check produces: its Result, the endpoints
// of the stack it measured, and the one way to say it could not measure.
// Every measuring package imports it; it imports nothing of postflight but
// slo (the statuses and objectives) and the text sanitizer.
package result

import (
	"fmt"
	"time"

	"github.com/postflight/postflight/internal/safetext"
	"github.com/postflight/postflight/slo"
)

// Result is the outcome of one check.
type Result struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Phase string `json:"phase"`
	// Target is what the check talked to, e.g. "GET http://127.0.0.1:49153/healthz".
	Target   string     `json:"target,omitempty"`
	Status   slo.Status `json:"status"`
	Expected string     `json:"expected"`
	Observed string     `json:"observed"`
	// Reason says why the status is what it is, in one line.
	Reason   string        `json:"reason"`
	Attempts int           `json:"attempts"`
	Duration time.Duration `json:"duration_ns"`
	// Objectives are the budgets a load or propagation check was held to,
	// each with its observed value and margin.
	Objectives []slo.Evaluation `json:"objectives,omitempty"`
	// Parts are the results the check is made of: each spec of a ginkgo
	// check.
	Parts []Result `json:"parts,omitempty"`
	// Load, Propagation and Packages are what a check measured beyond its
	// objectives, for reports to draw (a load's time series and latency
	// histogram, the propagation delays, the package changes); nil when it
	// measured none.
	Load        *Load        `json:"load,omitempty"`
	Propagation *Histogram   `json:"propagation,omitempty"`
	Packages    *PackageDiff `json:"packages,omitempty"`
	// Latencies are a load check's latencies of successful answers, for
	// the run's history; not in the report files.
	Latencies []time.Duration `json:"-"`
}

// Progress receives one-line progress reports of long checks (load).
type Progress func(line string)

// Endpoints resolves a service of the stack under test, and one of its
// container ports, to a base URL such as http://127.0.0.1:49153.
type Endpoints interface {
	BaseURL(service string, port int) (string, error)
}

// UnmeasuredPrefix begins the reason of every check that could not measure.
const UnmeasuredPrefix = "could not measure: "

// Unmeasured returns r as inconclusive because it could not measure, and
// why.
func (r Result) Unmeasured(why string) Result {
	r.Status, r.Reason = slo.Inconclusive, UnmeasuredPrefix+why
	if r.Observed == "" {
		r.Observed = "no measurement"
	}
	return r
}

// Unmeasuredf is Unmeasured with a format.
func (r Result) Unmeasuredf(format string, args ...any) Result {
	return r.Unmeasured(fmt.Sprintf(format, args...))
}

// Also adds a judgement to a result already judged, and keeps the worse: a
// check that failed stays failed when some of it could not be measured,
// and says both.
func (r Result) Also(s slo.Status, why string) Result {
	if s == slo.Inconclusive {
		why = UnmeasuredPrefix + why
	}
	if r.Status == slo.Fail {
		r.Reason += "; " + why
	} else {
		r.Reason = why
	}
	r.Status = slo.Worst(r.Status, s)
	return r
}

// Evaluate holds measurements to objectives: the verdict is slo's.
func (r Result) Evaluate(objs []slo.Objective, m slo.Measurements) Result {
	r.Objectives = slo.Evaluate(objs, m)
	r.Status, r.Reason = slo.Summarize(r.Objectives)
	if r.Status == slo.Pass {
		r.Reason = fmt.Sprintf("all %d objectives met", len(r.Objectives))
	}
	return r
}

// Outcome is what a verdict needs of the result.
func (r Result) Outcome() slo.Outcome {
	return slo.Outcome{Name: r.Name, Status: r.Status, Reason: r.Reason}
}

// Outcomes maps results to verdict inputs.
func Outcomes(rs []Result) []slo.Outcome {
	out := make([]slo.Outcome, len(rs))
	for i, r := range rs {
		out[i] = r.Outcome()
	}
	return out
}

// Safe returns r with its text made safe for a console, a report, a
// rollback's reason and a webhook: what the service answered may carry
// terminal escapes, NUL bytes, echoed credentials or megabytes, and reaches
// all of them through these fields.
func (r Result) Safe() Result {
	r.Target = safetext.Text(r.Target, maxTargetText)
	r.Expected = safetext.Text(r.Expected, maxResultText)
	r.Observed = safetext.Text(r.Observed, maxResultText)
	r.Reason = safetext.Text(r.Reason, maxResultText)
	r.Packages = r.Packages.safe()
	r.Load = r.Load.safe()
	if r.Parts != nil {
		parts := make([]Result, len(r.Parts))
		for i, p := range r.Parts {
			parts[i] = p.Safe()
		}
		r.Parts = parts
	}
	return r
}

// How much of a result's text is kept.
const (
	maxTargetText = 1 << 10
	maxResultText = 4 << 10
)
