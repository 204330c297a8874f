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
const UnmeasuredPrefix = slo.UnmeasuredPrefix

// Unmeasured returns r as inconclusive because it could not measure, and
// why.
func (r Result) Unmeasured(why string) Result {
	r = r.Found(slo.NotMeasured(UnmeasuredPrefix + why))
	if r.Observed == "" {
		r.Observed = "no measurement"
	}
	return r
}

// Unmeasuredf is Unmeasured with a format.
func (r Result) Unmeasuredf(format string, args ...any) Result {
	return r.Unmeasured(fmt.Sprintf(format, args...))
}

// Judge returns r with the status and reason slo.Judge gives its
// findings, in the check's wording.
func (r Result) Judge(fs []slo.Finding, w slo.Wording) Result {
	return r.Judged(slo.Judge(fs, w))
}

// Found returns r judged on one finding, in the default wording: its
// note is the reason.
func (r Result) Found(f slo.Finding) Result { return r.Judged(f.Judge()) }

// Judged returns r with the judgement's status and reason.
func (r Result) Judged(j slo.Judgement) Result {
	r.Status, r.Reason = j.Status, j.Reason
	return r
}

// judgement is r's status and reason, to judge more findings on.
func (r Result) judgement() slo.Judgement {
	return slo.Judgement{Status: r.Status, Reason: r.Reason}
}

// Also adds a finding to a result already judged, and keeps the worse: a
// check that failed stays failed when some of it could not be measured,
// and says both.
func (r Result) Also(f slo.Finding) Result { return r.Judged(r.judgement().Also(f)) }

// Confirm adds a finding a pass needs: a result that did not pass stays
// as it is.
func (r Result) Confirm(f slo.Finding) Result { return r.Judged(r.judgement().Confirm(f)) }

// Finding is r, judged already, as a finding of a check made of parts,
// with a note.
func (r Result) Finding(note string) slo.Finding { return slo.Found(r.Status, note) }

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
