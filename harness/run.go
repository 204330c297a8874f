// Package harness runs postflight: it brings up (or targets) the stack under
// test, runs the plan's checks, decides a verdict, rolls back when the new
// version falls short, verifies the old one, and writes the reports.
package harness

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/report/htmlreport"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/slo"
)

// Options are the run's settings beyond the plan; zero values are fine.
type Options struct {
	// NewImage and OldImage override the plan's images.
	NewImage string
	OldImage string
	// ReportDir overrides the plan's report directory; reports are written
	// only when one of them is set.
	ReportDir string
	// DryRun decides and reports, but does not roll back.
	DryRun bool
	// RunID names the run's resources; a random one by default.
	RunID string
	// Console receives the summary; Progress the progress lines. Nil
	// discards them.
	Console  io.Writer
	Progress io.Writer
	// CheckProgress, when set, receives the progress lines of long checks
	// instead of Progress.
	CheckProgress func(line string)
	// History is the history database a run is recorded in; history.db in
	// the plan's state directory when empty.
	History string
}

// Run runs a plan from start to end and returns the report of what
// happened. The error is for problems of the invocation alone (a plan and
// flags that cannot run together); everything that happens once the run has
// started, including interruption through ctx, is in the report.
func Run(ctx context.Context, p *plan.Plan, opts Options) (*report.Report, error) {
	return newRun(p, opts).do(ctx, runSteps)
}

// runSteps are `postflight run`, top to bottom.
var runSteps = []step{
	// The plan and the flags can run together: the images are on this
	// host, the report directory takes files.
	{"preflight", (*run).preflight},
	// The image IDs the run is about: a tag that moves during the run
	// makes it inconclusive.
	{"pin images", (*run).pinImages},
	// The stack comes up and the checks run against it: image, registry
	// and host checks from the start, the others once it is up.
	{"checks", (*run).checks},
	// policy.regression: each objective against the last runs of the
	// plan in the history, before the run itself is recorded there.
	{"regression", (*run).compareHistory},
	{"verdict", (*run).decide},
	// When the verdict calls for it: the driver puts the old version back
	// and the verify checks prove it.
	{"rollback", (*run).rollBackIfCalledFor},
	{"stack down", (*run).stackDown},
	{"outcome", (*run).conclude},
	// Every objective and each load check's latencies, for later runs to
	// compare against (`postflight history`).
	{"history", (*run).recordHistory},
	{"reports", (*run).writeReports},
}

// pinImages notes the image IDs of the run's images.
func (r *run) pinImages(ctx context.Context) (string, error) {
	r.logf("run %s of %s", r.rep.RunID, r.plan.Path)
	r.pinned = r.pin(ctx)
	if r.pinned == nil {
		return "skipped: no check reads the images from this host", nil
	}
	return "", nil
}

// checks brings the stack up and runs the plan's checks.
func (r *run) checks(ctx context.Context) (string, error) {
	r.st = r.stack()
	r.rep.Stack = r.st.String()
	var upFailed []result.Result
	runCtx := ctx
	checks := r.phase(ctx, engine.PhaseCheck, r.plan.Checks, nil, func(ctx context.Context) (result.Endpoints, error) {
		res, ok := r.up(ctx, r.st)
		switch {
		case ok:
			return r.st, nil
		case ctx.Err() != nil && runCtx.Err() == nil:
			// The phase stopped at a failed image check (fail fast):
			// the checks of the stack are not run, and say so.
			r.logf("stack: stopped coming up: the phase stopped at a failed check (policy.fail_fast)")
			return nil, errors.New("the phase stopped while the stack came up")
		case ctx.Err() != nil:
			r.logf("stack: %s", res.Reason)
		}
		upFailed = append(upFailed, res)
		return nil, errors.New("the stack did not come up")
	})
	r.rep.Checks = append(upFailed, checks...)
	if len(upFailed) > 0 {
		return "the stack did not come up", nil
	}
	r.rep.Checks = append(r.rep.Checks, r.moved(ctx, r.pinned)...)
	return fmt.Sprintf("%d check(s)", len(r.rep.Checks)), nil
}

// decide makes the verdict of the checks.
func (r *run) decide(context.Context) (string, error) {
	r.rep.Verdict = r.regressionVerdict(slo.Decide(result.Outcomes(r.rep.Checks)))
	r.logf("verdict: %s", report.VerdictLine(r.rep))
	return r.rep.Verdict.Status.String(), nil
}

// rollBackIfCalledFor rolls back when the verdict and the plan's policy
// call for it.
func (r *run) rollBackIfCalledFor(ctx context.Context) (string, error) {
	policy := slo.RollbackPolicy{OnInconclusive: r.plan.Policy.Inconclusive == plan.InconclusiveRollback}
	switch {
	case ctx.Err() != nil:
		return "skipped: interrupted", nil
	case !policy.ShouldRollBack(r.rep.Verdict):
		return fmt.Sprintf("skipped: the verdict is %s (policy.inconclusive: %s)", r.rep.Verdict.Status, r.plan.Policy.Inconclusive), nil
	}
	// The checks' reasons are in the report and in the failing objectives
	// the driver gets: the rollback's reason names them.
	r.rollBack(ctx, r.st, report.BriefReason(r.rep))
	return "", nil
}

// stackDown removes the stack, before the outcome is decided: a stack
// that did not come down is in the report.
func (r *run) stackDown(ctx context.Context) (string, error) {
	if r.st == nil {
		return "skipped: no stack", nil
	}
	r.down(ctx, r.st)
	return "", nil
}

// run is the state of a run as its steps go.
type run struct {
	plan  *plan.Plan
	opts  Options
	rep   *report.Report
	start time.Time
	// st is the stack under test once a step made it; pinned are the
	// image IDs the run is about.
	st     stack.Stack
	pinned pins
	down1  bool
	// resumer and pending are the runner and the unfinished rollbacks a
	// resume converges.
	resumer *rollback.Runner
	pending []rollback.Unfinished
	// tty says Progress is a terminal: progress of long checks then
	// rewrites one line in place; elsewhere it is plain lines, throttled.
	tty          bool
	mu           sync.Mutex
	progressLive bool
	lastProgress time.Time
}

func newRun(p *plan.Plan, opts Options) *run {
	if opts.RunID == "" {
		opts.RunID = newRunID()
	}
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	now := time.Now()
	r := &run{plan: p, opts: opts, start: now, tty: isTerminal(opts.Progress), rep: &report.Report{
		RunID: opts.RunID, Plan: p.Path, Name: p.Name, Started: now, DryRun: opts.DryRun,
		// The images: flags win over the plan.
		NewImage: cmp.Or(opts.NewImage, p.Images.New),
		OldImage: cmp.Or(opts.OldImage, p.Images.Old),
	}}
	if p.Name == "" {
		r.rep.Name = filepath.Base(p.Path)
	}
	if r.opts.CheckProgress == nil {
		r.opts.CheckProgress = r.progress
	}
	return r
}

func (r *run) stack() stack.Stack {
	p := r.plan
	if rep := p.Stack.Replica; rep != nil {
		ready := map[string]stack.ReadyProbe{}
		for svc, probe := range rep.Ready {
			ready[svc] = stack.ReadyProbe{Path: probe.Path, Port: probe.Port}
		}
		return stack.NewReplica(stack.ReplicaConfig{
			RunID: r.rep.RunID, PlanPath: p.Path,
			Compose:      p.Resolve(rep.Compose),
			UnderTest:    rep.UnderTest,
			Image:        r.rep.NewImage,
			ReadyTimeout: rep.ReadyTimeout.Or(plan.DefaultReadyTimeout),
			ReadyPaths:   ready,
			Logf:         r.prefixed("stack"),
		})
	}
	urls := map[string]string{}
	for svc, s := range p.Stack.Existing.Services {
		urls[svc] = s.URL
	}
	return stack.NewExisting(urls)
}

// up starts the stack. When it cannot, the failure becomes a result of its
// own: the new version's fault when its container exited or never became
// ready, inconclusive when the infrastructure failed.
func (r *run) up(ctx context.Context, st stack.Stack) (result.Result, bool) {
	started := time.Now()
	err := st.Up(ctx)
	if err == nil {
		return result.Result{}, true
	}
	res := result.Result{Name: "stack up", Kind: "stack", Phase: engine.PhaseCheck, Target: st.String(),
		Expected: "every service ready", Observed: err.Error(), Attempts: 1, Duration: time.Since(started)}
	var se *stack.StartError
	switch {
	case ctx.Err() != nil:
		res = res.Unmeasured("interrupted while the stack came up")
	case errors.As(err, &se) && se.UnderTest:
		res.Status, res.Reason = slo.Fail, fmt.Sprintf("service %s (image under test) did not become ready", se.Service)
	default:
		res = res.Unmeasured("the stack did not come up: " + err.Error())
	}
	if ctx.Err() == nil { // else the caller knows what stopped it, and says so
		r.logf("stack: %s", res.Reason)
	}
	return res, false
}

// phase runs a phase's checks in-process: against eps, or against the
// stack up brings up once the first check needs it.
func (r *run) phase(ctx context.Context, name string, checks []plan.Check, eps result.Endpoints, up func(context.Context) (result.Endpoints, error)) []result.Result {
	r.logf("%s: running %d check(s)", name, len(checks))
	ph := engine.Phase{Checks: checks, Stack: up, Logf: r.logf,
		FailFast: name == engine.PhaseCheck && r.plan.Policy.FailsFast(),
		Env: engine.Env{Phase: name, Endpoints: eps, Progress: r.opts.CheckProgress,
			NewImage: r.rep.NewImage, OldImage: r.rep.OldImage, RunID: r.rep.RunID}}
	results := ph.Run(ctx)
	if failed := firstFailed(results); ph.FailFast && failed != "" {
		r.logf("%s: stopped after %s failed (policy.fail_fast)", name, failed)
	}
	return results
}

// firstFailed names the first failed check of results, or "".
func firstFailed(results []result.Result) string {
	for _, r := range results {
		if r.Status == slo.Fail {
			return r.Name
		}
	}
	return ""
}

// conclude maps verdict and rollback to the outcome and its exit code, and
// says it in a headline ("ROLLED BACK and verified") and why.
func (r *run) conclude(ctx context.Context) (string, error) {
	rep := r.rep
	v := rep.Verdict
	rb := rep.Rollback
	why := v.Reason
	switch {
	case ctx.Err() != nil:
		rep.Outcome, rep.Headline = report.Interrupted, "interrupted"
	case v.Status == slo.Pass:
		rep.Outcome, rep.Headline = report.Passed, "PASSED"
		why += r.regressionWarning()
	case rb == nil || !rb.Configured || rep.DryRun:
		rep.Outcome = report.Failed
		if v.Status == slo.Inconclusive {
			rep.Outcome = report.Inconclusive
		}
		rep.Headline = upper(rep.Outcome) + ", not rolled back"
		if rb != nil && rep.DryRun && rb.Configured {
			rep.Headline += " (dry run)"
		}
	case rb.Locked:
		rep.Outcome, rep.Headline, why = report.Inconclusive, "INCONCLUSIVE, not rolled back", rb.Error
	case rb.VerifyVerdict != nil && rb.VerifyVerdict.Status != slo.Pass:
		// The rollback ran and its verify checks said no: their verdict is
		// the reason, not the error it came back up as.
		rep.Outcome, rep.Headline = report.RollbackFailed, "ROLLBACK FAILED"
		why = "rolled back, but verification did not pass: " + rb.VerifyVerdict.Reason
	case rb.Error != "":
		rep.Outcome, rep.Headline, why = report.RollbackFailed, "ROLLBACK FAILED", rb.Error
	case rb.VerifyVerdict != nil:
		rep.Outcome, rep.Headline = report.RolledBack, "ROLLED BACK and verified"
	default:
		rep.Outcome, rep.Headline = report.RolledBack, "ROLLED BACK (nothing to verify: rollback.verify is empty)"
	}
	rep.Summary = rep.Headline + ": " + why
	rep.ExitCode = rep.Outcome.ExitCode()
	rep.Duration = time.Since(r.start)
	return fmt.Sprintf("%s, exit %d", rep.Outcome, rep.ExitCode), nil
}

// down removes the stack once, also when the run was interrupted.
func (r *run) down(ctx context.Context, st stack.Stack) {
	if r.down1 {
		return
	}
	r.down1 = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := st.Down(ctx); err != nil {
		r.rep.Errors = append(r.rep.Errors, fmt.Sprintf("stack down: %v (run `postflight cleanup --run %s`)", err, r.rep.RunID))
	}
}

// writeReports writes the console summary and, with a report directory, the
// JSON and JUnit files.
func (r *run) writeReports(context.Context) (string, error) {
	if err := report.WriteConsole(r.opts.Console, r.rep); err != nil {
		r.rep.Errors = append(r.rep.Errors, fmt.Sprintf("write console summary: %v", err))
	}
	dir := r.reportDir()
	if dir == "" {
		return "console only (no report directory)", nil
	}
	if err := writeFiles(dir, r.rep); err != nil {
		r.rep.Errors = append(r.rep.Errors, err.Error())
		r.logf("warning: %v", err)
		return "failed: " + err.Error(), nil
	}
	r.logf("reports written to %s", dir)
	return "written to " + dir, nil
}

// reportDir is where the report files go; empty for none.
func (r *run) reportDir() string {
	if r.opts.ReportDir != "" {
		return r.opts.ReportDir
	}
	if r.plan.Report.Dir != "" {
		return r.plan.Resolve(r.plan.Report.Dir)
	}
	return ""
}

// Reports quote what the service answered, which may carry secrets: they are
// readable by their owner alone (the files too: see replaceFile).
const reportDirMode = 0o700

// writeFiles writes every report file it can, each to a new file renamed
// into place: a file that cannot be written is left out rather than left
// as an earlier run's — which a CI system would read as this run's — and
// a symlink in the directory is replaced, never written through. The
// directory is locked meanwhile, so that runs sharing it leave the files
// of one run, not a mix.
func writeFiles(dir string, rep *report.Report) error {
	if err := os.MkdirAll(dir, reportDirMode); err != nil {
		return fmt.Errorf("create report directory: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open report directory: %w", err)
	}
	defer d.Close() // and with it the lock
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock report directory: %w", err)
	}
	files := []struct {
		name  string
		write func(io.Writer, *report.Report) error
	}{
		{"postflight.json", report.WriteJSON},
		{"junit.xml", report.WriteJUnit},
		{"summary.md", report.WriteMarkdown},
		{"report.html", htmlreport.Write},
	}
	var errs []error
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeFile(path, rep, f.write); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}

func writeFile(path string, rep *report.Report, write func(io.Writer, *report.Report) error) error {
	err := replaceFile(path, rep, write)
	if err != nil {
		// Whatever is there is an earlier run's: better no file than one
		// that says another outcome.
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.IsDir() {
			os.Remove(path)
		}
	}
	return err
}

// replaceFile writes a new file beside path — CreateTemp makes it readable
// by its owner alone — and renames it over path.
func replaceFile(path string, rep *report.Report, write func(io.Writer, *report.Report) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	err = write(f, rep)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func upper(o report.Outcome) string {
	switch o {
	case report.Failed:
		return "FAILED"
	case report.Inconclusive:
		return "INCONCLUSIVE"
	}
	return string(o)
}
