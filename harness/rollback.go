package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/safetext"
	"github.com/postflight/postflight/slo"
)

// rollBack puts the old version back with the plan's driver — journaled
// and locked in the state directory — and verifies it with the plan's
// verify checks before the rollback counts as done.
func (r *run) rollBack(ctx context.Context, st stack.Stack, reason string) {
	rb := &report.Rollback{Reason: reason}
	r.rep.Rollback = rb
	runner, err := rollback.FromPlan(r.plan)
	if err != nil {
		rb.Error = safetext.Text(err.Error(), 0)
		return
	}
	if runner == nil {
		r.logf("rollback: no driver configured")
		return
	}
	rb.Configured = true
	runner.Logf = r.prefixed("rollback")
	runner.Verify = r.verifier(st, rb, nil)
	req := r.rollbackRequest(reason)
	rb.Plan = runner.Describe(req)
	if err := r.sameAsNew(ctx); err != nil {
		rb.Error = safetext.Text(err.Error(), 0)
		r.logf("rollback: not started: %s", rb.Error)
		return
	}
	if r.opts.DryRun {
		out, err := runner.DryRun(ctx, req)
		rb.Outcome = &out
		if err != nil {
			rb.Error = safetext.Text(err.Error(), 0)
		}
		r.logf("rollback: dry run: would %s", rb.Plan)
		return
	}
	if runner.Verify != nil && r.plan.Stack.Replica != nil && r.plan.Rollback.Driver != rollback.DriverDocker {
		early := r.startOldVersion(ctx, st, req.OldImage)
		defer early.stop()
		runner.Verify = r.verifier(st, rb, early)
	}
	r.logf("rollback: %s", rb.Plan)
	out, err := runner.RollBack(ctx, req)
	rb.Outcome = &out
	r.noteRollbackError(rb, err)
}

// noteRollbackError records why a rollback did not finish: another run
// holds the target, an interrupt, or the driver's or verification's error.
func (r *run) noteRollbackError(rb *report.Rollback, err error) {
	var locked *rollback.LockedError
	switch {
	case err == nil && rb.Outcome.AlreadyBy != "":
		r.logf("rollback: %s", rb.Outcome.Output)
		return
	case err == nil:
		r.logf("rollback: done in %s", rb.Outcome.Duration.Round(time.Millisecond))
		return
	case errors.As(err, &locked):
		rb.Locked = true
	}
	rb.Error = safetext.Text(err.Error(), 0)
	r.logf("rollback: failed: %s", rb.Error)
}

func (r *run) rollbackRequest(reason string) rollback.Request {
	req := rollback.Request{RunID: r.rep.RunID, PlanPath: rollback.PlanPath(r.plan.Path), OldImage: r.rep.OldImage,
		NewImage: r.rep.NewImage, Reason: reason, Failing: append(rollback.FailuresFrom(r.rep.Checks), r.regressions()...)}
	if rep := r.plan.Stack.Replica; rep != nil {
		req.Services = rep.UnderTest
	}
	return req
}

// verifier runs the plan's verify checks once the driver has rolled back.
// A replica stands in for production: it takes the old version back too,
// so the verify checks see what production now runs. early, when not nil,
// is the old version already coming up in the replica.
func (r *run) verifier(st stack.Stack, rb *report.Rollback, early *oldVersion) func(context.Context, rollback.Request) error {
	verify := r.verifyChecks()
	if len(verify) == 0 {
		return nil
	}
	return func(ctx context.Context, req rollback.Request) error {
		if r.plan.Stack.Replica != nil {
			var err error
			if early != nil && early.image == req.OldImage {
				err = early.wait(ctx)
			} else {
				early.stop()
				r.logf("verify: starting the old version %s in the replica", req.OldImage)
				err = st.SwapImage(ctx, req.OldImage)
			}
			if err != nil {
				if ctx.Err() != nil {
					return errors.New("interrupted while the old version came back up")
				}
				return fmt.Errorf("old version did not come back up: %w", err)
			}
		}
		rb.Verify = r.phase(ctx, engine.PhaseVerify, verify, st, nil)
		v := slo.Decide(result.Outcomes(rb.Verify))
		if v.Status == slo.Pass && r.plan.Stack.Existing != nil && blindDriver(r.plan.Rollback.Driver) {
			v = r.evidence(v, verify)
		}
		rb.VerifyVerdict = &v
		r.logf("verify: %s", report.Brief(v, rb.Verify))
		if v.Status != slo.Pass {
			return errors.New(v.Reason) // the runner says it was the verify step
		}
		return nil
	}
}

// oldVersion is the old version coming back up in a replica while the
// driver rolls production back. The replica stands in for production and
// nothing in it depends on what the driver does, so the two run at once and
// the verify checks join it. An existing stack's verify checks look at the
// very stack the driver changes: they wait for the driver, and nothing
// starts early. So does a replica under the docker driver, which selects
// containers on this host by label: the replica's containers carry the
// compose file's labels, and must not change while the driver lists and
// replaces containers.
type oldVersion struct {
	image  string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (r *run) startOldVersion(ctx context.Context, st stack.Stack, image string) *oldVersion {
	ctx, cancel := context.WithCancel(ctx)
	o := &oldVersion{image: image, cancel: cancel, done: make(chan struct{})}
	r.logf("verify: starting the old version %s in the replica while the rollback runs", image)
	go func() {
		defer close(o.done)
		o.err = st.SwapImage(ctx, image)
	}()
	return o
}

// wait returns once the old version is up in the replica, or did not come
// up, or ctx ends.
func (o *oldVersion) wait(ctx context.Context) error {
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop abandons bringing the old version up, when the verify checks never
// came to it, and returns once the replica is left alone.
func (o *oldVersion) stop() {
	if o == nil {
		return
	}
	o.cancel()
	<-o.done
}

// blindDriver says a driver cannot see what runs after it acted: a
// command's exit status or a receiver's 2xx is all it tells, where the
// swarm and docker drivers confirm the old image runs.
func blindDriver(name string) bool {
	return name == rollback.DriverCommand || name == rollback.DriverWebhook
}

// evidence holds a passed verification of a running stack to what it
// shows: verify checks that all passed on the new version in this run
// pass the same whether or not the rollback changed anything, so their
// passing again is no evidence that the old version is back. (A replica
// runs the old image itself before its verify checks.)
func (r *run) evidence(v slo.Verdict, verify []plan.Check) slo.Verdict {
	before := map[string]slo.Status{}
	for _, res := range r.rep.Checks {
		before[res.Name] = res.Status
	}
	names := make([]string, len(verify))
	for i, c := range verify {
		if st, ok := before[c.Name]; !ok || st != slo.Pass {
			return v
		}
		names[i] = c.Name
	}
	v.Status = slo.Inconclusive
	v.Reason = fmt.Sprintf("every verify check passed on the new version too (%s): passing again after the rollback does not show the old version is back; add a check the new version failed to rollback.verify",
		strings.Join(names, ", "))
	return v
}

func (r *run) verifyChecks() []plan.Check {
	want := map[string]bool{}
	for _, n := range r.plan.Rollback.Verify {
		want[n] = true
	}
	var out []plan.Check
	for _, c := range r.plan.Checks {
		if want[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// RollBack rolls back now, skipping the analysis — the fast path of
// `postflight rollback` — then verifies the old version with the plan's
// verify checks (for a replica plan, against a replica of the old version).
// A rollback is never a pass: the outcome is rolled back (exit 3), rollback
// failed (5), or inconclusive (4) when another rollback holds the target.
func RollBack(ctx context.Context, p *plan.Plan, opts Options) (*report.Report, error) {
	return newRun(p, opts).do(ctx, rollBackSteps)
}

// rollBackSteps are `postflight rollback`, top to bottom.
var rollBackSteps = []step{
	{"preflight", (*run).rollbackPreflightStep},
	{"rollback", (*run).rollBackByHand},
	{"stack down", (*run).stackDown},
	{"outcome", (*run).conclude},
	{"reports", (*run).writeReports},
}

// rollbackByHand is why `postflight rollback` rolls back.
const rollbackByHand = "rollback asked for by hand (postflight rollback)"

func (r *run) rollbackPreflightStep(ctx context.Context) (string, error) {
	if r.plan.Rollback.Driver == "" {
		return "", errors.New("the plan configures no rollback (rollback.driver)")
	}
	return "", r.rollbackPreflight(ctx)
}

// rollBackByHand rolls back at once, with no checks before.
func (r *run) rollBackByHand(ctx context.Context) (string, error) {
	r.logf("run %s: %s", r.rep.RunID, rollbackByHand)
	r.st = r.stack()
	r.rep.Stack = r.st.String()
	r.rep.Verdict = slo.Verdict{Status: slo.Fail, Reason: rollbackByHand}
	r.rollBack(ctx, r.st, rollbackByHand)
	return "", nil
}

// ResumeRollbacks converges every rollback an interrupted run of this plan
// (the same plan file, see rollback.PlanPath) left unfinished in the plan's
// state directory, verifying each with the plan's verify checks; other
// plans' journals there are left alone. With nothing to resume the outcome
// is passed (exit 0).
func ResumeRollbacks(ctx context.Context, p *plan.Plan, opts Options) (*report.Report, error) {
	return newRun(p, opts).do(ctx, resumeSteps)
}

// resumeSteps are `postflight rollback --resume`, top to bottom.
var resumeSteps = []step{
	{"preflight", (*run).resumePreflight},
	{"resume", (*run).resume},
	{"stack down", (*run).stackDown},
	{"outcome", (*run).conclude},
	{"reports", (*run).writeReports},
}

// resumePreflight finds the plan's unfinished rollbacks.
func (r *run) resumePreflight(ctx context.Context) (string, error) {
	runner, err := rollback.FromPlan(r.plan)
	if err != nil {
		return "", err
	}
	if runner == nil {
		return "", errors.New("the plan configures no rollback to resume (rollback.driver)")
	}
	if err := r.rollbackPreflight(ctx); err != nil {
		return "", err
	}
	r.resumer = runner
	if r.pending, err = rollback.PendingOf(runner.StateDir, r.plan.Path); err != nil {
		return "", fmt.Errorf("read rollback journals in %s: %w", runner.StateDir, err)
	}
	return fmt.Sprintf("%d unfinished rollback(s)", len(r.pending)), nil
}

// resume converges the unfinished rollbacks and verifies the result.
func (r *run) resume(ctx context.Context) (string, error) {
	p, runner := r.plan, r.resumer
	r.st = r.stack()
	r.rep.Stack = r.st.String()
	if len(r.pending) == 0 {
		r.rep.Verdict = slo.Verdict{Status: slo.Pass, Reason: "no unfinished rollback of this plan in " + runner.StateDir}
		return "skipped: nothing to resume", nil
	}
	reason := fmt.Sprintf("resuming %d interrupted rollback(s)", len(r.pending))
	for _, u := range r.pending {
		r.logf("rollback: will resume the %s", u)
	}
	rb := &report.Rollback{Reason: reason, Configured: true, Plan: r.pending[0].String()}
	r.rep.Rollback, r.rep.Verdict = rb, slo.Verdict{Status: slo.Fail, Reason: reason}
	cfg := rollback.ConfigFromPlan(p)
	outs, err := rollback.Resume(ctx, runner.StateDir, rollback.ResumeOptions{
		LockTimeout: runner.LockTimeout, Verify: r.verifier(r.st, rb, nil), Logf: r.prefixed("rollback"), Plan: r.plan.Path,
		Config: &cfg})
	if len(outs) > 0 {
		rb.Outcome = &outs[len(outs)-1]
	} else {
		// Another process finished them while this one waited: what it
		// did is not seen here, so the verify checks look for themselves.
		rb.Outcome = &rollback.Outcome{Driver: p.Rollback.Driver, AlreadyBy: "another process",
			Output: "another process finished the interrupted rollback(s) while this resume waited; not rolled back again"}
		if verify := r.verifier(r.st, rb, nil); err == nil && verify != nil {
			if err = verify(ctx, r.rollbackRequest(reason)); err != nil {
				err = fmt.Errorf("verify: %w", err)
			}
		}
	}
	r.noteRollbackError(rb, err)
	return "", nil
}

// rollbackPreflight checks, before a rollback by hand, what the run's
// preflight checks: the old image, and that the report directory works.
func (r *run) rollbackPreflight(ctx context.Context) error {
	errs := []error{imageReferences(r.rep.NewImage, r.rep.OldImage)}
	if r.rep.OldImage == "" {
		errs = append(errs, errors.New("roll back to what? give --old or images.old"))
	}
	if r.plan.Stack.Replica != nil && r.rep.OldImage != "" && len(r.plan.Rollback.Verify) > 0 {
		errs = append(errs, r.imagesPresent(ctx, []string{r.rep.OldImage})...)
	}
	errs = append(errs, r.reportDirWritable())
	return errors.Join(errs...)
}

// sameAsNew returns an error when the rollback image is the image under
// test, by reference or, on this host, by image ID (one image under two
// tags): rolling back to it puts nothing back, and verify checks that
// pass after it (a restart can make them) would claim otherwise. Images
// this host does not have are not compared.
func (r *run) sameAsNew(ctx context.Context) error {
	old, new := r.rep.OldImage, r.rep.NewImage
	const fix = "rolling back to it puts nothing back; give the version to go back to (--old or images.old)"
	switch {
	case old == "" || new == "":
		return nil
	case rollback.SameImage(old, new): // "app" and "docker.io/library/app:latest" too
		return fmt.Errorf("the rollback image %s is the image under test: %s", old, fix)
	}
	ids := r.imageIDs(ctx)
	if ids[old] == "" || ids[old] != ids[new] {
		return nil
	}
	return fmt.Errorf("the rollback image %s is the image under test %s under another name (image %s on this host): %s", old, new, ids[old], fix)
}
