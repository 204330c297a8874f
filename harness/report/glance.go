package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/safetext"
	"github.com/postflight/postflight/slo"
)

// What people read is one line per check — its status, its name and the
// number that decided it — and details for what did not pass alone. Each
// reason is written once, beside its check: the verdict and the last line
// name the checks, they do not quote them again.

// Headline is the one line of a check: the reason it did not pass, or
// what it measured when it passed — for a check held to budgets, the
// objective closest to its budget.
func Headline(c result.Result) string {
	if c.Status != slo.Pass {
		return c.Reason
	}
	if len(c.Objectives) > 0 {
		closest := c.Objectives[0]
		for _, o := range c.Objectives[1:] {
			if o.MarginPercent < closest.MarginPercent {
				closest = o
			}
		}
		if n := len(c.Objectives) - 1; n > 0 {
			return fmt.Sprintf("%s; %d more within budget", closest.Reason, n)
		}
		return closest.Reason
	}
	return safetext.Text(c.Observed, maxPassedText) + took(c)
}

// maxPassedText is how much of what a passing check observed its line
// shows: a body of kilobytes is in the JSON report, not on the console.
const maxPassedText = 160

// took is a check's attempts, when more than one, and time: " (3
// attempts, 1.2s)".
func took(c result.Result) string {
	d := c.Duration.Round(time.Millisecond)
	if c.Attempts > 1 {
		return fmt.Sprintf(" (%d attempts, %s)", c.Attempts, d)
	}
	return fmt.Sprintf(" (%s)", d)
}

// Details are the lines under a check that did not pass: what it talked
// to, expected and observed, and the objectives that did not pass whose
// reason the headline does not already say. A check that passed has none.
func Details(c result.Result) []string {
	if c.Status == slo.Pass {
		return nil
	}
	var out []string
	if c.Target != "" {
		out = append(out, c.Target)
	}
	if c.Expected != "" {
		out = append(out, "expected "+c.Expected)
	}
	if c.Observed != "" && !strings.Contains(c.Reason, c.Observed) {
		out = append(out, "observed "+c.Observed+took(c))
	}
	for _, o := range c.Objectives {
		if o.Status != slo.Pass && !strings.Contains(c.Reason, o.Reason) {
			out = append(out, fmt.Sprintf("%s %s", mark(o.Status), o.Reason))
		}
	}
	return out
}

// Brief is a verdict in one line, naming the checks that did not pass
// without quoting their reasons: "FAIL: 2 of 8 checks failed: a, b".
func Brief(v slo.Verdict, checks []result.Result) string {
	var failed, unsure []string
	for _, c := range checks {
		switch c.Status {
		case slo.Pass:
		case slo.Fail:
			failed = append(failed, c.Name)
		default:
			unsure = append(unsure, c.Name)
		}
	}
	status := strings.ToUpper(v.Status.String())
	switch {
	case v.Status == slo.Fail && len(failed) > 0:
		s := fmt.Sprintf("%s: %d of %d checks failed: %s", status, len(failed), len(checks), strings.Join(failed, ", "))
		if len(unsure) > 0 {
			s += fmt.Sprintf("; %d inconclusive: %s", len(unsure), strings.Join(unsure, ", "))
		}
		return s
	case v.Status == slo.Inconclusive && len(failed) == 0 && len(unsure) > 0:
		return fmt.Sprintf("%s: %d of %d checks could not measure: %s", status, len(unsure), len(checks), strings.Join(unsure, ", "))
	case v.Status == slo.Pass && len(failed)+len(unsure) == 0 && len(checks) > 0:
		return fmt.Sprintf("%s: all %d checks passed", status, len(checks))
	}
	// A verdict the checks alone do not explain (a regression against
	// history, a verification's evidence) says its own reason.
	return status + ": " + v.Reason
}

// VerdictLine is the run's verdict in one line: its status, then
// BriefReason.
func VerdictLine(r *Report) string {
	return strings.ToUpper(r.Verdict.Status.String()) + ": " + BriefReason(r)
}

// BriefReason is why the verdict is what it is, naming the checks (Brief)
// and the objectives that regressed against history when that fails the
// run, without quoting their reasons: the reason a rollback is given.
func BriefReason(r *Report) string {
	_, s, _ := strings.Cut(Brief(r.Verdict, r.Checks), ": ")
	if g := r.Regression; g.Fails() && g.Regressed() != "" && !strings.Contains(s, g.Regressed()) {
		s += "; " + g.Regressed()
	}
	return s
}

// notable are the comparisons a reader must see: all but the steady ones.
func (g *Regression) notable() []history.Comparison {
	var out []history.Comparison
	for _, c := range g.Comparisons {
		if c.Outcome != history.Steady {
			out = append(out, c)
		}
	}
	return out
}
