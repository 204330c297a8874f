package packages

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes a diff as aligned columns, then its problems and the
// verdict.
func WriteTable(w io.Writer, d *Diff, v *Verdict) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "old  %s  %s\n", d.Old.Ref, shortDigest(d.Old.ID))
	fmt.Fprintf(bw, "new  %s  %s\n", d.New.Ref, shortDigest(d.New.ID))
	for _, line := range d.readLines() {
		fmt.Fprintln(bw, line)
	}
	fmt.Fprintln(bw)
	if len(d.Changes) > 0 {
		notes := false
		for _, c := range d.Changes {
			notes = notes || c.Note != ""
		}
		var rows bytes.Buffer
		tw := tabwriter.NewWriter(&rows, 0, 4, 2, ' ', 0)
		header := "ECOSYSTEM\tPACKAGE\tCHANGE\tOLD\tNEW"
		if notes {
			header += "\tNOTE"
		}
		fmt.Fprintln(tw, header)
		for i, c := range d.Changes {
			line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", c.Ecosystem, displayName(d.Changes, i), changeLabel(c), dash(c.Old), dash(c.New))
			if notes {
				line += "\t" + c.Note
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
		// Rows without a note end in padding: trim it.
		for _, line := range strings.Split(strings.TrimSuffix(rows.String(), "\n"), "\n") {
			fmt.Fprintln(bw, strings.TrimRight(line, " "))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, d.summaryLine())
	if len(d.Problems) > 0 {
		fmt.Fprintf(bw, "\n%d %s reading the images:\n", len(d.Problems), plural(len(d.Problems), "problem"))
		for _, p := range d.Problems {
			fmt.Fprintf(bw, "  %s\n", p)
		}
	}
	if v != nil {
		fmt.Fprintf(bw, "\n%s\n", verdictLine(v))
		for _, x := range v.Violations {
			fmt.Fprintf(bw, "  %s\n", x)
		}
	}
	return bw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
