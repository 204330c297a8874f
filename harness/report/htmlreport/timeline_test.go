package htmlreport

import (
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/report"
)

// Each step's bar starts where the step started on the run's one time
// axis and is as long as it took; a step of a millisecond is still seen.
func TestStepsAreLaidOutOnTheRunsTimeAxis(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	views := stepViews([]report.Step{
		{Name: "preflight", Started: at, Duration: time.Second, Outcome: "done"},
		{Name: "checks", Started: at.Add(time.Second), Duration: 8 * time.Second, Outcome: "3 check(s)"},
		{Name: "verdict", Started: at.Add(9 * time.Second), Duration: time.Microsecond, Outcome: "fail"},
		{Name: "rollback", Started: at.Add(9 * time.Second), Duration: time.Second, Outcome: "skipped: dry run"},
	})
	want := []struct{ left, width, class string }{
		{"0.00%", "10.00%", "pass"}, {"10.00%", "80.00%", "pass"}, {"90.00%", "0.40%", "fail"}, {"90.00%", "10.00%", "skip"},
	}
	for i, w := range want {
		if v := views[i]; v.Left != w.left || v.Width != w.width || v.Class != w.class {
			t.Errorf("step %s: left %s width %s class %s; want %s %s %s", v.Name, v.Left, v.Width, v.Class, w.left, w.width, w.class)
		}
	}
	if stepViews(nil) != nil {
		t.Error("a timeline of no steps")
	}
}

// A rollback's output is shown by its end, where the error is.
func TestTailKeepsTheLastLines(t *testing.T) {
	var lines []string
	for i := range 100 {
		lines = append(lines, strings.Repeat("x", i%3)+"line")
	}
	got := tail(strings.Join(lines, "\n")+"\n", 40)
	if n := strings.Count(got, "\n"); n != 40 || !strings.HasPrefix(got, "... (60 lines before)") || !strings.HasSuffix(got, lines[99]) {
		t.Errorf("tail: %d lines, %.40q ... %q", n, got, got[len(got)-10:])
	}
}
