package report

import (
	"fmt"
	"strings"

	"io"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// WriteMarkdown writes a summary for CI pages (GitHub's job summary, a
// merge request comment): how the run ended, one table row per check,
// details for what did not pass, the comparison with history and the
// rollback. Every reason is written once.
func WriteMarkdown(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("## postflight %s: %s\n\n", mdEscape(r.Name), r.Outcome)
	p.f("**%s** — %s\n\n", mdEscape(orSummary(r)), mdEscape(VerdictLine(r)))
	p.f("- new image: `%s`, old image: `%s`\n- stack: %s\n- run: `%s`, %s\n\n", r.NewImage, orNone(r.OldImage), mdEscape(r.Stack), r.RunID, r.Duration.Round(1e6))
	p.mdTable(r.Checks)
	p.mdRegression(r.Regression)
	if rb := r.Rollback; rb != nil {
		p.f("\n### Rollback\n\n")
		if !rb.Configured && rb.Error == "" {
			p.f("No rollback driver is configured in the plan.\n")
		}
		if o := rb.Outcome; o != nil {
			p.f("- %s\n", mdEscape(describeOutcome(o)))
			if lines := lastLines(o.Output, 20); len(lines) > 0 {
				text := strings.Join(lines, "\n")
				fence := codeFence(text)
				p.f("\n%s\n%s\n%s\n", fence, text, fence)
			}
		}
		if rb.Error != "" && (rb.VerifyVerdict == nil || rb.VerifyVerdict.Status == slo.Pass) {
			p.f("- error: %s\n", mdEscape(rb.Error))
		}
		if len(rb.Verify) > 0 {
			p.f("\n#### Verify: %s\n\n", mdEscape(Brief(*verifyVerdict(rb), rb.Verify)))
			p.mdTable(rb.Verify)
		}
	}
	return p.err
}

// mdTable is one row per check, then the details of those that did not
// pass, as a list under the table.
func (p *printer) mdTable(rs []result.Result) {
	p.f("| | check | result |\n|---|---|---|\n")
	for _, c := range rs {
		p.f("| %s | %s | %s |\n", statusIcon(c.Status), mdEscape(c.Name), mdEscape(Headline(c)))
	}
	var details bool
	for _, c := range rs {
		d := Details(c)
		if len(d) == 0 {
			continue
		}
		if !details {
			p.f("\n")
			details = true
		}
		p.f("- **%s**\n", mdEscape(c.Name))
		for _, line := range d {
			p.f("  - %s\n", mdEscape(line))
		}
	}
}

// mdRegression is the comparison with history: every objective, its
// outcome and the reason.
func (p *printer) mdRegression(g *Regression) {
	if g == nil {
		return
	}
	p.f("\n### Against history\n\n%s, in `%s`.\n\n", mdEscape(upperFirst(g.Ruled())), mdEscape(g.History))
	if g.Error != "" {
		p.f("⚠️ could not compare with the history: %s\n", mdEscape(g.Error))
		return
	}
	if len(g.Comparisons) == 0 {
		p.f("No objective to compare: no check of the run has budgets.\n")
		return
	}
	p.f("| | check | comparison |\n|---|---|---|\n")
	for _, c := range g.Comparisons {
		p.f("| %s | %s | %s |\n", outcomeIcon(c.Outcome), mdEscape(c.Check), mdEscape(c.Reason))
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var outcomeIcons = map[history.Outcome]string{history.Regression: "🔺 regression", history.Steady: "➖ steady",
	history.NoBaseline: "❔ no baseline", history.Inconclusive: "⚠️ inconclusive"}

func outcomeIcon(o history.Outcome) string {
	if icon, ok := outcomeIcons[o]; ok {
		return icon
	}
	return fmt.Sprintf("⚠️ %s", o)
}

func mdEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

func statusIcon(s slo.Status) string {
	return map[slo.Status]string{slo.Pass: "✅ pass", slo.Fail: "❌ fail", slo.Inconclusive: "⚠️ inconclusive"}[s]
}

// codeFence is a fence of tildes longer than any run of them in text, so
// that no line of it closes the fence and turns the rest into Markdown.
func codeFence(text string) string {
	fence := "~~~"
	for strings.Contains(text, fence) {
		fence += "~"
	}
	return fence
}
