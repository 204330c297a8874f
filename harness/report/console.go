package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

// WriteConsole writes the summary people read: one line per check with what
// was measured against what was expected, then the rollback and the verdict.
func WriteConsole(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("\npostflight %s: %s\n", r.Name, r.Stack)
	p.f("  new %s, old %s, run %s\n\n", r.NewImage, orNone(r.OldImage), r.RunID)
	p.results(r.Checks)
	p.f("\n  verdict: %s: %s\n", strings.ToUpper(r.Verdict.Status.String()), r.Verdict.Reason)
	if rb := r.Rollback; rb != nil {
		p.f("\nrollback (%s)\n", rb.Reason)
		switch {
		case !rb.Configured:
			p.f("  no rollback driver is configured in the plan\n")
		case r.DryRun:
			p.f("  dry run: would %s\n", rb.Plan)
		default:
			if o := rb.Outcome; o != nil {
				p.f("  %s\n", describeOutcome(o))
				for _, s := range o.Steps {
					if s.Note != "" {
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
			if rb.Error != "" {
				p.f("  error: %s\n", rb.Error)
			}
			if len(rb.Verify) > 0 {
				p.f("  verify:\n")
				p.results(rb.Verify)
			}
		}
	}
	for _, e := range r.Errors {
		p.f("\n  warning: %s\n", e)
	}
	p.f("\n%s (exit %d) in %s\n", r.Summary, r.ExitCode, r.Duration.Round(time.Millisecond))
	return p.err
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
	for _, c := range rs {
		pad := fmt.Sprintf("  %-12s %-*s  ", "", width, "")
		p.f("  %-12s %-*s  %s\n", mark(c.Status), width, c.Name, c.Target)
		switch {
		case len(c.Objectives) > 0:
			p.f("%sobserved %s\n", pad, c.Observed)
			for _, o := range c.Objectives {
				p.f("%s%-12s %s\n", pad, mark(o.Status), o.Reason)
			}
		case c.Status == slo.Pass:
			p.f("%s%s (%d attempt(s), %s)\n", pad, c.Observed, c.Attempts, c.Duration.Round(time.Millisecond))
		default:
			p.f("%sexpected %s\n", pad, c.Expected)
			p.f("%sobserved %s\n", pad, c.Observed)
			p.f("%sreason   %s (%d attempt(s), %s)\n", pad, c.Reason, c.Attempts, c.Duration.Round(time.Millisecond))
		}
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
