package htmlreport

import (
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/rollback/change"
)

// stepView is one step of the run on its timeline: where its bar starts
// and how long it is, in percent of the whole run.
type stepView struct {
	Name, Outcome, Took string
	Left, Width         string
	Class               string
}

// stepViews lays the run's steps out on one time axis, from the first
// step's start to the last one's end.
func stepViews(steps []report.Step) []stepView {
	if len(steps) == 0 {
		return nil
	}
	from, to := steps[0].Started, steps[0].Started
	for _, s := range steps {
		from = minTime(from, s.Started)
		to = maxTime(to, s.Started.Add(s.Duration))
	}
	span := max(to.Sub(from), time.Millisecond)
	out := make([]stepView, len(steps))
	for i, s := range steps {
		class := "pass"
		switch {
		case strings.HasPrefix(s.Outcome, "skipped"):
			class = "skip"
		case strings.HasPrefix(s.Outcome, "failed"), s.Outcome == "fail":
			class = "fail"
		case s.Outcome == "inconclusive", s.Name == "rollback":
			class = "warn"
		}
		left := 100 * float64(s.Started.Sub(from)) / float64(span)
		width := 100 * float64(s.Duration) / float64(span)
		out[i] = stepView{Name: s.Name, Outcome: s.Outcome, Took: roundDuration(s.Duration), Class: class,
			Left: fmt.Sprintf("%.2f%%", left), Width: fmt.Sprintf("%.2f%%", min(max(width, 0.4), 100-left))}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rollbackView is what the rollback did, step by step, and how the
// verify checks found the old version.
type rollbackView struct {
	*report.Rollback
	Steps  []rollbackStepView
	Output string
	Took   string
	Verify []checkView
	// Class colours the rollback: pass when it ran and was verified.
	Class string
}

type rollbackStepView struct {
	What, Note, Took, Output string
	Exit                     int
	Left, Width              string
}

// maxOutputLines is how much of a rollback's output the page shows: its
// end, where the error is.
const maxOutputLines = 40

func newRollbackView(rb *report.Rollback) *rollbackView {
	v := &rollbackView{Rollback: rb, Class: "fail"}
	if rb.VerifyVerdict != nil && rb.Error == "" && !rb.Locked && rb.Outcome != nil && rb.Outcome.ExitCode == 0 {
		v.Class = statusClass(rb.VerifyVerdict.Status)
	}
	for _, r := range rb.Verify {
		v.Verify = append(v.Verify, newCheckView(r))
	}
	o := rb.Outcome
	if o == nil {
		return v
	}
	v.Took, v.Output = roundDuration(o.Duration), tail(o.Output, maxOutputLines)
	// The steps run one after another: each bar starts where the last
	// ended.
	var total, at time.Duration
	for _, s := range o.Steps {
		total += s.Duration
	}
	total = max(total, time.Millisecond)
	for _, s := range o.Steps {
		v.Steps = append(v.Steps, newRollbackStepView(s, at, total))
		at += s.Duration
	}
	return v
}

func newRollbackStepView(s change.Result, at, total time.Duration) rollbackStepView {
	left := 100 * float64(at) / float64(total)
	return rollbackStepView{What: s.Step.String(), Note: s.Note, Took: roundDuration(s.Duration), Exit: s.ExitCode,
		Output: tail(s.Output, maxOutputLines), Left: fmt.Sprintf("%.2f%%", left),
		Width: fmt.Sprintf("%.2f%%", min(max(100*float64(s.Duration)/float64(total), 0.4), 100-left))}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
