package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

// WriteConsole writes the summary people read: one line per check, details
// under what did not pass, the comparison with history, the rollback, and
// how the run ended. Every reason is written once.
func WriteConsole(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("\npostflight %s: %s\n", r.Name, r.Stack)
	p.f("  new %s, old %s, run %s\n\n", r.NewImage, orNone(r.OldImage), r.RunID)
	p.results(r.Checks)
	p.regression(r.Regression)
	p.f("\n  verdict: %s\n", VerdictLine(r))
	if rb := r.Rollback; rb != nil {
		p.f("\nrollback\n")
		switch {
		case !rb.Configured && rb.Error != "":
			p.f("  error: %s\n", rb.Error)
		case !rb.Configured:
			p.f("  no rollback driver is configured in the plan\n")
		case r.DryRun:
			p.f("  dry run: would %s\n", rb.Plan)
		default:
			if o := rb.Outcome; o != nil {
				p.f("  %s\n", describeOutcome(o))
				for _, s := range o.Steps {
					// A command's one step is the command, said above.
					if s.Note != "" && o.Driver != "command" {
						p.f("    - %s: %s\n", s.Step, s.Note)
					}
				}
				for _, line := range lastLines(o.Output, 10) {
					p.f("    | %s\n", line)
				}
				if o.Verified != "" {
					p.f("  verified: %s\n", o.Verified)
				}
			}
			if rb.Error != "" && (rb.VerifyVerdict == nil || rb.VerifyVerdict.Status == slo.Pass) {
				p.f("  error: %s\n", rb.Error)
			}
			if len(rb.Verify) > 0 {
				p.f("  verify: %s\n", Brief(*verifyVerdict(rb), rb.Verify))
				p.results(rb.Verify)
			}
		}
	}
	for _, e := range r.Errors {
		p.f("\n  warning: %s\n", e)
	}
	p.f("\n%s (exit %d) in %s\n", orSummary(r), r.ExitCode, r.Duration.Round(time.Millisecond))
	return p.err
}

// orSummary is the report's headline, or its summary when it has none.
func orSummary(r *Report) string {
	if r.Headline != "" {
		return r.Headline
	}
	return r.Summary
}

// verifyVerdict is the verify checks' verdict as the run decided it.
func verifyVerdict(rb *Rollback) *slo.Verdict {
	if rb.VerifyVerdict != nil {
		return rb.VerifyVerdict
	}
	v := slo.Decide(result.Outcomes(rb.Verify))
	return &v
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) results(rs []result.Result) {
	width := 0
	for _, c := range rs {
		width = max(width, len(c.Name))
	}
	pad := strings.Repeat(" ", 2+12+1+width+2)
	for _, c := range rs {
		p.f("  %-12s %-*s  %s\n", mark(c.Status), width, c.Name, Headline(c))
		for _, d := range Details(c) {
			p.f("%s%s\n", pad, d)
		}
	}
}

// regression writes the comparison with history: a line for each
// objective that regressed, had no baseline or could not be compared, and
// how many were steady.
func (p *printer) regression(g *Regression) {
	if g == nil {
		return
	}
	p.f("\n  history: %s (%s)\n", g.History, g.Ruled())
	if g.Error != "" {
		p.f("  %-12s could not compare with the history: %s\n", "INCONCLUSIVE", g.Error)
		return
	}
	for _, c := range g.notable() {
		p.f("  %-12s %s %s\n", strings.ToUpper(c.Outcome.String()), c.Check, c.Reason)
	}
	if n := len(g.With(history.Steady)); n > 0 {
		p.f("  %-12s %d of %d objectives within the rule\n", "STEADY", n, len(g.Comparisons))
	}
	if len(g.Comparisons) == 0 {
		p.f("  no objective to compare: no check of the run has budgets\n")
	}
}

func mark(s slo.Status) string {
	switch s {
	case slo.Pass:
		return "PASS"
	case slo.Fail:
		return "FAIL"
	default:
		return "INCONCLUSIVE"
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func lastLines(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// describeOutcome is one line on what a rollback driver did: a command's
// exit status, or the driver's action.
func describeOutcome(o *change.Outcome) string {
	s := fmt.Sprintf("%s: %s", o.Driver, o.Action)
	if o.Driver == "command" && o.ExitCode >= 0 {
		s += fmt.Sprintf(", exit %d", o.ExitCode)
	}
	s += "; " + o.Duration.Round(time.Millisecond).String() + " in all"
	if len(o.Resumed) > 0 {
		s += fmt.Sprintf(" (first resumed the interrupted rollback of run %s)", strings.Join(o.Resumed, ", "))
	}
	return s
}
