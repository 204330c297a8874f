package packages

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a diff as a GitHub-flavoured Markdown section: a
// table of changes, the problems, the verdict.
func WriteMarkdown(w io.Writer, d *Diff, v *Verdict) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### Packages: %s → %s\n\n", code(d.Old.Ref), code(d.New.Ref))
	if v != nil {
		mark := "✅"
		if !v.Passed() {
			mark = "❌"
		}
		fmt.Fprintf(bw, "%s **%s**\n\n", mark, verdictLine(v))
	}
	fmt.Fprintf(bw, "%s.\n", d.summaryLine())
	if len(d.Changes) > 0 {
		fmt.Fprintf(bw, "\n| Ecosystem | Package | Change | Old | New |\n|---|---|---|---|---|\n")
		for i, c := range d.Changes {
			change := changeLabel(c)
			if c.Note != "" {
				change += ": " + c.Note
			}
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", c.Ecosystem, code(displayName(d.Changes, i)), cell(change), code(c.Old), code(c.New))
		}
	}
	if len(d.Problems) > 0 {
		fmt.Fprintf(bw, "\n#### Problems reading the images\n\n")
		for _, p := range d.Problems {
			fmt.Fprintf(bw, "- %s\n", cell(p.String()))
		}
	}
	if v != nil && !v.Passed() {
		fmt.Fprintf(bw, "\n#### Policy violations\n\n")
		for _, x := range v.Violations {
			fmt.Fprintf(bw, "- %s\n", cell(x.Message))
		}
	}
	return bw.Flush()
}

// code writes s as a code span, "" as nothing; a table cell's pipes are
// escaped even inside one.
func code(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}

// cell escapes text for a table cell or a list item.
func cell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "~", `\~`)
	return r.Replace(s)
}
