// Package ginkgosuite runs a user's own Ginkgo v2 suite against a stack and
// reads what every spec found.
//
// The suite is a Go test package (built with go test -c, in its own
// directory so that its own go.mod applies) or a test binary built before.
// Run starts it with the stack's endpoints in its environment, reads the
// JSON report Ginkgo writes and returns one Spec per spec: passed, failed
// (with the message and the file:line of the failure), skipped (a skipped or
// pending spec is never a pass) or inconclusive (see Status).
//
// Whenever the suite as a whole could not be measured — it does not build,
// it ended without writing a report, it ran out of time, it was interrupted,
// its setup failed or no spec ran at all — Run returns an *Error saying why.
// That is never a pass, whatever specs passed before it.
package ginkgosuite

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/postflight/postflight/internal/safetext"
)

// Defaults of a Suite's fields.
const (
	// DefaultTimeout bounds a suite's run when Suite.Timeout is zero.
	DefaultTimeout = 10 * time.Minute
	// DefaultGracePeriod is how long a spec that ignores an interruption
	// (a timeout) has to return before Ginkgo abandons it.
	DefaultGracePeriod = 5 * time.Second
)

// hardStopSlack is how long, beyond the time Ginkgo needs to end a suite
// that ran out of time, the suite has before it is killed.
const hardStopSlack = 5 * time.Second

// testBinary is the name of a suite's test binary in its work directory.
const testBinary = "suite.test"

// OutputTail is how much of a suite's (or its build's) output, at the end,
// is kept to explain what happened.
const OutputTail = 64 << 10

// Suite names a user's Ginkgo v2 suite and how to run it.
type Suite struct {
	// Package is the directory of the suite's Go package, built with
	// go test -c there. Either Package or Binary is set.
	Package string
	// Binary is a test binary built before (go test -c).
	Binary string
	// LabelFilter selects specs by label (Ginkgo's -label-filter).
	LabelFilter string
	// Timeout bounds the run of the suite (not its build, which only ctx
	// bounds); DefaultTimeout when zero. Ginkgo is told it, so it
	// interrupts the spec running then and still writes its report; a
	// suite still running three grace periods and a few seconds later
	// (hung before Ginkgo started, say) is killed.
	Timeout time.Duration
	// GracePeriod is how long an interrupted spec has to return before it
	// is abandoned (Ginkgo's -grace-period); DefaultGracePeriod when zero.
	GracePeriod time.Duration
	// Dir is the suite's working directory: Package by default, else the
	// Binary's directory.
	Dir string
	// prebuilt is the test binary Build made of Package.
	prebuilt string
}

func (s Suite) String() string {
	if s.Package != "" {
		return "ginkgo suite " + s.Package
	}
	return "ginkgo suite " + s.Binary
}

// Run builds the suite when it is a package (once per call; Go's build
// cache makes building an unchanged package again cheap, so there is no
// cache of Run's own), runs it with env added to this process's
// environment and returns what its specs found.
//
// The suite runs in a process group of its own: when ctx ends or the suite
// runs out of time, the group gets SIGTERM, then SIGKILL, and no process
// of it is left when Run returns. Run always returns an Outcome (with
// whatever could be learnt: the output's tail at least); a non-nil error,
// an *Error for all but a Suite that names neither package nor binary,
// means the suite could not be measured.
func Run(ctx context.Context, s Suite, env map[string]string) (*Outcome, error) {
	out := &Outcome{}
	if (s.Package == "") == (s.Binary == "") {
		return out, fmt.Errorf("run %s: name either a package or a test binary", s)
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.GracePeriod <= 0 {
		s.GracePeriod = DefaultGracePeriod
	}
	tmp, err := newWorkDir()
	if err != nil {
		return out, fmt.Errorf("run %s: %w", s, err)
	}
	defer os.RemoveAll(tmp)

	bin, dir := s.Binary, s.Dir
	if s.prebuilt != "" {
		bin = s.prebuilt
		if dir == "" {
			// Absolute, as the binary's own file names are: locations
			// are told relative to it.
			if dir, err = filepath.Abs(s.Package); err != nil {
				return out, fmt.Errorf("run %s: %w", s, err)
			}
		}
	} else if s.Package != "" {
		pkg, err := filepath.Abs(s.Package)
		if err != nil {
			return out, fmt.Errorf("run %s: %w", s, err)
		}
		if dir == "" {
			dir = pkg
		}
		if err := build(ctx, pkg, tmp, s.GracePeriod, out); err != nil {
			return out, &Error{Suite: s.String(), Cause: err.Cause, Detail: err.Detail, Output: out.Output}
		}
		bin = filepath.Join(tmp, testBinary)
	} else if bin, err = filepath.Abs(bin); err != nil {
		return out, fmt.Errorf("run %s: %w", s, err)
	}
	if dir == "" {
		dir = filepath.Dir(bin)
	}

	report := filepath.Join(tmp, "report.json")
	args := []string{
		"-ginkgo.json-report=" + report,
		"-ginkgo.no-color",
		"-ginkgo.timeout=" + s.Timeout.String(),
		"-ginkgo.grace-period=" + s.GracePeriod.String(),
	}
	if s.LabelFilter != "" {
		args = append(args, "-ginkgo.label-filter="+s.LabelFilter)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = ownEnviron()
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}

	// Ginkgo's own timeout comes first; this one is for a suite that does
	// not get as far as Ginkgo, or hangs past it.
	runCtx, cancel := context.WithTimeout(ctx, s.Timeout+3*s.GracePeriod+hardStopSlack)
	defer cancel()
	output := newTail(OutputTail)
	started := time.Now()
	stopped, runErr := runGroup(runCtx, cmd, tmp, s.GracePeriod, output)
	out.Duration = time.Since(started)
	out.Output = safetext.Text(output.String(), OutputTail+1<<10)

	fail := func(c Cause, detail string) (*Outcome, error) {
		return out, &Error{Suite: s.String(), Cause: c, Detail: detail, Output: out.Output}
	}
	if stopped {
		// What the specs found up to then, if Ginkgo got to write it.
		if r, err := readReport(report); err == nil {
			_ = out.read(r, dir, s.LabelFilter)
		}
	}
	switch {
	case cmd.Process == nil:
		return fail(CauseCrashed, "could not start it: "+runErr.Error())
	case stopped && ctx.Err() != nil:
		return fail(CauseInterrupted, fmt.Sprintf("stopped after %s: %v", out.Duration.Round(time.Millisecond), context.Cause(ctx)))
	case stopped:
		return fail(CauseTimedOut, fmt.Sprintf("still running %s after it started (timeout %s, grace period %s): killed", out.Duration.Round(time.Millisecond), s.Timeout, s.GracePeriod))
	}
	r, err := readReport(report)
	if err != nil {
		detail := "it ended without a Ginkgo report (is it a Ginkgo v2 suite calling RunSpecs?)"
		if runErr != nil {
			detail = fmt.Sprintf("it ended (%v) without a Ginkgo report", runErr)
		}
		if !errors.Is(err, os.ErrNotExist) {
			detail += ": " + err.Error()
		}
		return fail(CauseCrashed, detail)
	}
	if err := out.read(r, dir, s.LabelFilter); err != nil {
		err.Suite, err.Output = s.String(), out.Output
		return out, err
	}
	// Ginkgo exits 197 for a focused spec left in the suite: the specs not
	// focused are in the report, skipped, so no verdict is lost.
	var exit *exec.ExitError
	focused := errors.As(runErr, &exit) && exit.ExitCode() == types.GINKGO_FOCUS_EXIT_CODE
	if runErr != nil && r.SuiteSucceeded && !focused {
		return fail(CauseExited, fmt.Sprintf("it ended (%v) though its Ginkgo report has no failure", runErr))
	}
	return out, nil
}

// build compiles the test package in dir into the binary testBinary in
// the work directory work, keeping the compiler's output in out.Output.
func build(ctx context.Context, dir, work string, grace time.Duration, out *Outcome) *Error {
	bin := filepath.Join(work, testBinary)
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return &Error{Cause: CauseBuild, Detail: "no go command to build it with: " + err.Error()}
	}
	cmd := exec.Command(goCmd, "test", "-c", "-o", bin, ".")
	cmd.Dir = dir
	output := newTail(OutputTail)
	stopped, err := runGroup(ctx, cmd, work, grace, output)
	out.Output = safetext.Text(output.String(), OutputTail+1<<10)
	if stopped {
		return &Error{Cause: CauseInterrupted, Detail: "stopped while building: " + context.Cause(ctx).Error()}
	}
	if err != nil {
		return &Error{Cause: CauseBuild, Detail: "go test -c: " + err.Error()}
	}
	if _, err := os.Stat(bin); err != nil {
		return &Error{Cause: CauseBuild, Detail: "go test -c built nothing: the package has no test files"}
	}
	return nil
}

// Built is a package suite built before it runs (see Build).
type Built struct {
	// Suite runs the binary built, named as the package.
	Suite Suite
	tmp   string
}

// Build builds a package suite now, so that it can run later without
// waiting for its build: a run builds its suites while its stack comes up.
// Remove removes the binary. A suite that is a binary already is returned
// as it is.
func Build(ctx context.Context, s Suite) (*Built, error) {
	if s.Package == "" || s.prebuilt != "" {
		return &Built{Suite: s}, nil
	}
	grace := s.GracePeriod
	if grace <= 0 {
		grace = DefaultGracePeriod
	}
	pkg, err := filepath.Abs(s.Package)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", s, err)
	}
	tmp, err := newWorkDir()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", s, err)
	}
	out := &Outcome{}
	if berr := build(ctx, pkg, tmp, grace, out); berr != nil {
		os.RemoveAll(tmp)
		return nil, &Error{Suite: s.String(), Cause: berr.Cause, Detail: berr.Detail, Output: out.Output}
	}
	s.prebuilt = filepath.Join(tmp, testBinary)
	return &Built{Suite: s, tmp: tmp}, nil
}

// Remove removes what Build built.
func (b *Built) Remove() {
	if b != nil && b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// ownEnviron is this process's environment without the variables that
// tell a suite of the run: a URL postflight inherited (from a CI job, or
// an enclosing run) must never reach a suite as the stack's.
func ownEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, EnvURLPrefix) || k == EnvRunID || k == EnvPhase || k == EnvNewImage {
			continue
		}
		out = append(out, kv)
	}
	return out
}
