package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a plan file, located by line and column (both
// 1-based; 0 when not known, as for a file that cannot be read or a YAML
// syntax error whose column the parser does not report).
type Error struct {
	File   string
	Line   int
	Column int
	// Field is the path of the offending value, as in "checks[1].expect";
	// empty for the plan as a whole.
	Field string
	Msg   string
	// Err is the underlying error, if any (reading the file, loading the
	// compose file).
	Err error
}

// Error renders the problem as "file:line:column: field: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in a plan file, sorted by line and column.
// Load and Parse return their problems as an Errors; detect one with
// errors.As. errors.As also finds the individual *Error values.
type Errors []*Error

// Error renders the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sort orders the problems by line, then column; problems on the same spot
// keep the order they were found in.
func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Column < es[j].Column
	})
}
