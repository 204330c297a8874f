package packages

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is how a diff is written.
type Format string

// Formats.
const (
	Table    Format = "table"    // aligned columns, for terminals
	JSON     Format = "json"     // for programs
	Markdown Format = "markdown" // for CI summaries and pull requests
)

// Formats lists the formats, the default first.
var Formats = []Format{Table, JSON, Markdown}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want table, json or markdown)", s)
}

// Write writes a diff and, when v is not nil, a policy's verdict on it.
func Write(w io.Writer, f Format, d *Diff, v *Verdict) error {
	switch f {
	case Table:
		return WriteTable(w, d, v)
	case JSON:
		return WriteJSON(w, d, v)
	case Markdown:
		return WriteMarkdown(w, d, v)
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteJSON writes a diff, its summary and the verdict as one JSON object.
func WriteJSON(w io.Writer, d *Diff, v *Verdict) error {
	out := struct {
		*Diff
		Summary []EcosystemSummary `json:"summary"`
		Verdict *Verdict           `json:"verdict,omitempty"`
		Passed  *bool              `json:"passed,omitempty"`
	}{Diff: d, Summary: d.Summary(), Verdict: v}
	if v != nil {
		passed := v.Passed()
		out.Passed = &passed
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// EcosystemSummary counts one ecosystem's changes by kind.
type EcosystemSummary struct {
	Ecosystem Ecosystem          `json:"ecosystem"`
	Counts    map[ChangeKind]int `json:"counts"`
}

// Summary counts the changes per ecosystem and kind, in report order.
func (d *Diff) Summary() []EcosystemSummary {
	var out []EcosystemSummary
	for _, e := range Ecosystems {
		s := EcosystemSummary{Ecosystem: e, Counts: map[ChangeKind]int{}}
		for _, c := range d.Changes {
			if c.Ecosystem == e {
				s.Counts[c.Kind]++
			}
		}
		if len(s.Counts) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// summaryLine says in one line what changed: "3 changes (deb: 1 added,
// 2 upgraded), 412 packages unchanged".
func (d *Diff) summaryLine() string {
	if len(d.Changes) == 0 {
		return fmt.Sprintf("no differences: %d packages unchanged", d.Unchanged)
	}
	var per []string
	for _, s := range d.Summary() {
		var counts []string
		for _, k := range kindOrder {
			if n := s.Counts[k]; n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, k))
			}
		}
		per = append(per, fmt.Sprintf("%s: %s", s.Ecosystem, strings.Join(counts, ", ")))
	}
	return fmt.Sprintf("%d %s (%s), %d packages unchanged", len(d.Changes), plural(len(d.Changes), "change"), strings.Join(per, "; "), d.Unchanged)
}

// readLines say how the images in the local daemon were read: once when
// both were read alike.
func (d *Diff) readLines() []string {
	o, n := d.Old.Read, d.New.Read
	switch {
	case o != nil && n != nil && *o == *n:
		return []string{"both " + o.String()}
	case o != nil && n != nil:
		return []string{"old " + o.String(), "new " + n.String()}
	case o != nil:
		return []string{"old " + o.String()}
	case n != nil:
		return []string{"new " + n.String()}
	}
	return nil
}

// displayName is a change's package name, with its architecture when
// another change is about the same package on another one (libc6 on amd64
// and on i386).
func displayName(changes []Change, i int) string {
	c := changes[i]
	for j, o := range changes {
		if j != i && o.Ecosystem == c.Ecosystem && o.Name == c.Name && o.Arch != c.Arch && c.Arch != "" {
			return c.Name + " (" + c.Arch + ")"
		}
	}
	return c.Name
}

// changeLabel is the change column: "upgraded", "upgraded (major)".
func changeLabel(c Change) string {
	if c.Major {
		return string(c.Kind) + " (major)"
	}
	return string(c.Kind)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// verdictLine says in one line how a policy judged a diff.
func verdictLine(v *Verdict) string {
	if v.Passed() {
		return "policy passed"
	}
	return fmt.Sprintf("policy failed: %d %s", len(v.Violations), plural(len(v.Violations), "violation"))
}
