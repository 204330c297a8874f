package ginkgosuite

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/postflight/postflight/internal/safetext"
)

// maxMessage bounds a spec's message.
const maxMessage = 4 << 10

// Status is what a spec found.
type Status string

const (
	// Passed: the spec ran and every assertion held.
	Passed Status = "passed"
	// Failed: an assertion failed (Message and Location say which).
	Failed Status = "failed"
	// Skipped: the spec was skipped (by the label filter, by Skip, after a
	// failed setup) or is pending. It found nothing: never a pass.
	Skipped Status = "skipped"
	// Inconclusive: the spec could not tell. It panicked — a defect of the
	// suite's own code, such as a nil map, says nothing about the stack;
	// Location is where it panicked — or was interrupted, timed out or
	// aborted before it could finish.
	Inconclusive Status = "inconclusive"
)

// Outcome is what a suite's run found.
type Outcome struct {
	// Description is the suite's, as given to RunSpecs.
	Description string
	// Specs lists every spec of the report in the order Ginkgo reported
	// them, and a suite-level node (BeforeSuite, AfterSuite, ...) that did
	// not pass, named "[BeforeSuite]" and so on.
	Specs []Spec
	// Duration is how long the suite ran, its build left out.
	Duration time.Duration
	// Output is the end of the suite's output (or its build's, when it
	// did not build), made safe to show; at most about OutputTail bytes.
	Output string
}

// Spec is one spec's result.
type Spec struct {
	// Text is the spec's full text: its containers' texts and its own.
	Text   string
	Labels []string
	Status Status
	// State is Ginkgo's own word for it: passed, failed, panicked, ...
	State    string
	Duration time.Duration
	// Message says why the spec failed, panicked, was skipped or stopped;
	// bounded and safe to show.
	Message string
	// Location is file:line where it failed or panicked, else where the
	// spec is written; the file is relative to the suite's directory when
	// it is in it.
	Location string
}

// Cause is why a suite could not be measured.
type Cause string

const (
	// CauseBuild: the package does not build; Output has the compiler's
	// messages.
	CauseBuild Cause = "does not build"
	// CauseCrashed: the suite ended without writing a Ginkgo report.
	CauseCrashed Cause = "ended without a report"
	// CauseExited: the suite's report has no failure, yet its process
	// failed (a plain Go test of the package failed, or the process
	// failed after the suite): Output says how.
	CauseExited Cause = "failed outside its specs"
	// CauseTimedOut: the suite ran out of time (Ginkgo's timeout, or the
	// suite was killed after it).
	CauseTimedOut Cause = "timed out"
	// CauseInterrupted: the run was stopped, or the suite interrupted.
	CauseInterrupted Cause = "interrupted"
	// CauseSetup: a BeforeSuite failed or panicked, so no spec ran.
	CauseSetup Cause = "setup failed"
	// CauseNoSpecs: no spec ran: the label filter matched none, or every
	// spec was skipped or pending.
	CauseNoSpecs Cause = "no spec ran"
)

// Error says why a suite could not be measured.
type Error struct {
	Suite  string
	Cause  Cause
	Detail string
	// Output is the end of the suite's or its build's output.
	Output string
}

// errorOutputLines is how many of the output's last lines an Error's text
// quotes when the suite does not build or ended without a report.
const errorOutputLines = 15

func (e *Error) Error() string {
	msg := fmt.Sprintf("run %s: %s: %s", e.Suite, e.Cause, e.Detail)
	if (e.Cause == CauseBuild || e.Cause == CauseCrashed || e.Cause == CauseExited) && strings.TrimSpace(e.Output) != "" {
		lines := strings.Split(strings.TrimSpace(e.Output), "\n")
		if len(lines) > errorOutputLines {
			lines = lines[len(lines)-errorOutputLines:]
		}
		msg += "\n" + strings.Join(lines, "\n")
	}
	return msg
}

// readReport reads the report Ginkgo wrote at path: one suite's.
func readReport(path string) (types.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return types.Report{}, err
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		return types.Report{}, fmt.Errorf("read its report: %w", err)
	}
	if len(reports) != 1 {
		return types.Report{}, fmt.Errorf("read its report: %d suites in it, want 1", len(reports))
	}
	return reports[0], nil
}

// setupNodes are the suite-level nodes without which no spec runs.
const setupNodes = types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite

// read fills o from Ginkgo's report of a suite run in dir, and says why
// the suite could not be measured, if it could not.
func (o *Outcome) read(r types.Report, dir, labelFilter string) *Error {
	o.Description = r.SuiteDescription
	if r.SuiteConfig.DryRun {
		// Ginkgo reports every spec of a dry run as passed, none having
		// run: the suite's own configuration asked for one.
		return &Error{Cause: CauseNoSpecs, Detail: "the suite ran as a dry run (its configuration says so): its specs were walked, none ran"}
	}
	var setup *Spec
	setupSkipped := ""
	total, ran := 0, 0
	// A spec the label filter leaves out is not part of the check: Ginkgo
	// reports it skipped, which would leave every filtered run without a
	// verdict. (A filter Ginkgo could not parse ran no spec at all.)
	selected, _ := types.ParseLabelFilter(labelFilter)
	for _, sr := range r.SpecReports {
		isSpec := sr.LeafNodeType.Is(types.NodeTypeIt)
		if isSpec && selected != nil && !selected(append(slices.Clip(r.SuiteLabels), sr.Labels()...)) {
			total++
			continue
		}
		if !isSpec && sr.LeafNodeType.Is(setupNodes) && sr.State.Is(types.SpecStateSkipped) {
			setupSkipped = safetext.Text(sr.Failure.Message, maxMessage)
		}
		if !isSpec && sr.State.Is(types.SpecStatePassed|types.SpecStateSkipped|types.SpecStatePending) {
			continue
		}
		sp := spec(sr, dir)
		if isSpec {
			total++
			if sp.Status != Skipped {
				ran++
			}
		} else if sr.LeafNodeType.Is(setupNodes) {
			sp.Status = Inconclusive // nothing was measured
			setup = &sp
		}
		o.Specs = append(o.Specs, sp)
	}

	for _, reason := range r.SpecialSuiteFailureReasons {
		switch {
		case strings.Contains(reason, "Timeout"):
			return &Error{Cause: CauseTimedOut, Detail: fmt.Sprintf("%s after %s", reason, r.RunTime.Round(time.Millisecond))}
		case strings.Contains(reason, "Interrupted"):
			return &Error{Cause: CauseInterrupted, Detail: reason}
		}
	}
	if setup != nil {
		return &Error{Cause: CauseSetup, Detail: fmt.Sprintf("%s %s at %s: %s", setup.Text, setup.State, setup.Location, setup.Message)}
	}
	if ran > 0 {
		return nil
	}
	switch {
	case total == 0:
		return &Error{Cause: CauseNoSpecs, Detail: "the suite has no specs"}
	case setupSkipped != "":
		return &Error{Cause: CauseNoSpecs, Detail: fmt.Sprintf("its BeforeSuite skipped all of its %d specs: %s", total, setupSkipped)}
	case labelFilter != "" && r.PreRunStats.SpecsThatWillRun == 0:
		return &Error{Cause: CauseNoSpecs, Detail: fmt.Sprintf("label filter %q matched none of its %d specs", labelFilter, total)}
	default:
		return &Error{Cause: CauseNoSpecs, Detail: fmt.Sprintf("all of its %d specs were skipped or pending", total)}
	}
}

// spec is one spec's result from its report.
func spec(sr types.SpecReport, dir string) Spec {
	sp := Spec{
		Text:     sr.FullText(),
		Labels:   sr.Labels(),
		State:    sr.State.String(),
		Duration: sr.RunTime,
		Location: location(sr.LeafNodeLocation, dir),
	}
	if !sr.LeafNodeType.Is(types.NodeTypeIt) {
		sp.Text = "[" + sr.LeafNodeType.String() + "]"
	}
	f := sr.Failure
	msg := f.Message
	switch {
	case sr.State.Is(types.SpecStatePassed):
		sp.Status = Passed
	case sr.State.Is(types.SpecStateFailed):
		sp.Status = Failed
	case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		sp.Status = Skipped
	case sr.State.Is(types.SpecStatePanicked):
		sp.Status = Inconclusive
		msg = "panic: " + f.ForwardedPanic
		f.Location = panicLocation(f.Location)
	default: // interrupted, timed out, aborted
		sp.Status = Inconclusive
	}
	if !f.IsZero() && sp.Status != Passed {
		if f.Location.FileName != "" {
			sp.Location = location(f.Location, dir)
		}
		sp.Message = safetext.Text(msg, maxMessage)
	}
	return sp
}

// panicLocation is where in the suite's code a panic happened: Ginkgo
// reports the innermost frame, often in the runtime, and a stack trace
// pruned to the suite's own frames, the first of which is wanted.
func panicLocation(cl types.CodeLocation) types.CodeLocation {
	for _, line := range strings.Split(cl.FullStackTrace, "\n") {
		if !strings.HasPrefix(line, "\t") {
			continue
		}
		fileLine, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		i := strings.LastIndexByte(fileLine, ':')
		if n, err := strconv.Atoi(fileLine[i+1:]); i > 0 && err == nil {
			return types.CodeLocation{FileName: fileLine[:i], LineNumber: n}
		}
	}
	return cl
}

// location is file:line, the file relative to dir when it is in it.
func location(cl types.CodeLocation, dir string) string {
	file := cl.FileName
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = rel
	}
	return fmt.Sprintf("%s:%d", file, cl.LineNumber)
}
