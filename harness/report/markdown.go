package report

import (
	"io"
	"strings"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// WriteMarkdown writes a summary for CI pages (a job summary, a merge
// request comment): the outcome, then a table per phase.
func WriteMarkdown(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("## postflight %s: %s\n\n", mdEscape(r.Name), r.Outcome)
	p.f("%s\n\n", mdEscape(r.Summary))
	p.f("- new image: `%s`, old image: `%s`\n- stack: %s\n- run: `%s`, %s\n\n", r.NewImage, orNone(r.OldImage), mdEscape(r.Stack), r.RunID, r.Duration.Round(1e6))
	p.mdTable(r.Checks)
	if rb := r.Rollback; rb != nil {
		p.f("\n### Rollback\n\n%s\n\n", mdEscape(rb.Reason))
		if o := rb.Outcome; o != nil {
			p.f("- %s\n", mdEscape(describeOutcome(o)))
			if lines := lastLines(o.Output, 20); len(lines) > 0 {
				text := strings.Join(lines, "\n")
				fence := codeFence(text)
				p.f("\n%s\n%s\n%s\n", fence, text, fence)
			}
		}
		if rb.Error != "" {
			p.f("- error: %s\n", mdEscape(rb.Error))
		}
		if len(rb.Verify) > 0 {
			p.f("\n#### Verify\n\n")
			p.mdTable(rb.Verify)
		}
	}
	return p.err
}

func (p *printer) mdTable(rs []result.Result) {
	p.f("| | check | expected | observed | reason | attempts, time |\n|---|---|---|---|---|---|\n")
	for _, c := range rs {
		icon := statusIcon(c.Status)
		p.f("| %s | %s | %s | %s | %s | %d, %s |\n", icon, mdEscape(c.Name), mdEscape(c.Expected), mdEscape(c.Observed), mdEscape(c.Reason), c.Attempts, c.Duration.Round(1e6))
		for _, o := range c.Objectives {
			p.f("| %s | ↳ %s | %s | %s | %s | %d sample(s) |\n", statusIcon(o.Status), mdEscape(o.Objective), o.Budget, o.Observed, mdEscape(o.Reason), o.Samples)
		}
	}
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
