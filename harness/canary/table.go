package canary

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
)

// Table is the task count of every step of a rollout of Tasks tasks.
type Table struct {
	Tasks int
	Rows  []Row
}

// Row is one step: what was asked, how many tasks it moves, and why the
// count is not simply the percentage, when it is not.
type Row struct {
	// Step counts from 1.
	Step  int
	Asked Step
	// Added marks the 100% step added to a list that ended short of it.
	Added bool
	// Tasks is the number of tasks on the new version during the step.
	Tasks int
	Notes []Note
}

// Note is a remark on a row. A warning is something the plan's author
// may not have meant: a step that moves nothing new, a count raised or
// capped against the percentage asked, a step added.
type Note struct {
	Text    string
	Warning bool
}

// NewTable computes the task counts of steps for a rollout of tasks tasks,
// by the rules of the package documentation.
func NewTable(tasks int, steps []Step) (Table, error) {
	if tasks < 1 {
		return Table{}, fmt.Errorf("step table for %d tasks: want at least 1", tasks)
	}
	if err := validateSteps(steps); err != nil {
		return Table{}, fmt.Errorf("step table for %d tasks: %w", tasks, err)
	}
	rows := make([]Row, 0, len(steps)+1)
	for i, s := range steps {
		rows = append(rows, Row{Step: i + 1, Asked: s})
	}
	if last := steps[len(steps)-1]; last.Percent < 100 {
		rows = append(rows, Row{Step: len(rows) + 1, Asked: Step{Percent: 100, At: last.At}, Added: true})
	}
	t := Table{Tasks: tasks, Rows: rows}
	for i := range t.Rows {
		t.count(i)
	}
	return t, nil
}

// count sets the task count of row i from its percentage and the rows
// before it.
func (t *Table) count(i int) {
	r := &t.Rows[i]
	n, s := t.Tasks, r.Asked
	last := i == len(t.Rows)-1
	if r.Added {
		r.warn("added: a rollout ends with every task on the new version")
	}
	exact := s.Percent * float64(n) / 100
	// Halves up; the tiny margin keeps 35% of 10 (3.5000000000000004 or
	// 3.4999999999999996) from landing on either side by noise.
	c := int(math.Floor(exact + 0.5 + 1e-9))
	if s.Min > 0 && c < s.Min {
		c = s.Min
		r.note(fmt.Sprintf("floor %d", s.Min))
	}
	if s.Max > 0 && c > s.Max {
		if last {
			r.warn(fmt.Sprintf("ceiling %d lifted: the last step moves every task", s.Max))
		} else {
			c = s.Max
			r.note(fmt.Sprintf("ceiling %d", s.Max))
		}
	}
	switch {
	case last:
		c = n
	case c < 1:
		c = 1
		r.note(fmt.Sprintf("at least 1 task (%s of %d is %.2g)", formatPercent(s.Percent), n, exact))
	case c >= n && n > 1:
		c = n - 1
		r.warn(fmt.Sprintf("capped at %d: every task moves only at the last step", n-1))
	case c > n:
		c = n
	}
	if n == 1 && i == 0 && !last {
		r.warn("only 1 task: the first step moves all of it")
	}
	if i > 0 {
		prev := t.Rows[i-1]
		if c < prev.Tasks {
			r.warn(fmt.Sprintf("raised from %d to %d: counts never go down", c, prev.Tasks))
			c = prev.Tasks
		}
		if c == prev.Tasks {
			r.warn(fmt.Sprintf("same count as step %d: nothing more moves", prev.Step))
		}
	}
	r.Tasks = c
}

func (r *Row) note(text string) { r.Notes = append(r.Notes, Note{Text: text}) }
func (r *Row) warn(text string) { r.Notes = append(r.Notes, Note{Text: text, Warning: true}) }

// Warnings lists the table's warnings, each with its step: what a dry run
// must show before anything changes.
func (t Table) Warnings() []string {
	var w []string
	for _, r := range t.Rows {
		for _, n := range r.Notes {
			if n.Warning {
				w = append(w, fmt.Sprintf("step %d: %s", r.Step, n.Text))
			}
		}
	}
	return w
}

// Counts lists the task count of every step.
func (t Table) Counts() []int {
	c := make([]int, len(t.Rows))
	for i, r := range t.Rows {
		c[i] = r.Tasks
	}
	return c
}

// String renders the table for `--dry-run`: step, percent asked, tasks
// (with the share they really are), note.
func (t Table) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STEP\tPERCENT ASKED\tTASKS\tNOTE")
	for _, r := range t.Rows {
		notes := make([]string, len(r.Notes))
		for i, n := range r.Notes {
			notes[i] = n.Text
			if n.Warning {
				notes[i] = "warning: " + n.Text
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%d of %d (%s)\t%s\n", r.Step, r.Asked, r.Tasks, t.Tasks,
			formatPercent(100*float64(r.Tasks)/float64(t.Tasks)), strings.Join(notes, "; "))
	}
	w.Flush()
	// An empty note leaves the row's padding behind: trim it.
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \n")
		if strings.HasSuffix(l, "\n") {
			lines[i] += "\n"
		}
	}
	return strings.Join(lines, "")
}
