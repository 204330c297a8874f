package rollout

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/canary"
	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/slo"
)

// Exit codes of a rollout, as `postflight run`'s.
const (
	ExitPromoted       = 0
	ExitRolledBack     = 3
	ExitInconclusive   = 4
	ExitRollbackFailed = 5
	ExitInterrupted    = 130
)

// Outcomes a rollout ends with.
const (
	OutcomePromoted       = "promoted"
	OutcomeRolledBack     = "rolled back"
	OutcomeRollbackFailed = "rollback failed"
	OutcomeInterrupted    = "interrupted"
	OutcomeDryRun         = "dry run"
	OutcomeRequested      = "requested"
	OutcomeLocked         = "locked"
)

// Decision is what a rollout decided before it changed anything: enough
// to carry it on from another process.
type Decision struct {
	RunID    string    `json:"run_id"`
	Plan     string    `json:"plan"`
	NewImage string    `json:"new_image"`
	Host     string    `json:"host,omitempty"`
	Services []Service `json:"services"`
	Steps    []Step    `json:"steps"`
	Warnings []string  `json:"warnings,omitempty"`
	// Table is harness/canary's table of each service, as --dry-run prints it.
	Table        string        `json:"table"`
	Interval     time.Duration `json:"interval_ns"`
	Timeout      time.Duration `json:"timeout_ns"`
	Inconclusive string        `json:"inconclusive"`
	Checks       []string      `json:"checks"`
	Verify       []string      `json:"verify"`
}

// Service is one service the rollout moves.
type Service struct {
	// Stack is the service as the plan's checks name it; Swarm the stable
	// Swarm service, Canary the canary beside it.
	Stack    string `json:"stack"`
	Swarm    string `json:"swarm"`
	Canary   string `json:"canary"`
	Replicas int    `json:"replicas"`
	OldImage string `json:"old_image"`
}

// Step is one step of the rollout: the canary's task count of each
// service (in Decision.Services' order).
type Step struct {
	Step  int      `json:"step"`
	Asked string   `json:"asked"`
	Tasks []int    `json:"tasks"`
	Notes []string `json:"notes,omitempty"`
}

// Options are a rollout's settings beyond the plan.
type Options struct {
	// NewImage overrides the plan's images.new.
	NewImage string
	// RunID names the rollout; a random one by default.
	RunID string
	// DryRun prints the table and changes nothing.
	DryRun bool
	// Console receives the dry run's table; Logf the progress.
	Console io.Writer
	Logf    func(format string, args ...any)
	// LockTimeout bounds the wait for another rollout or rollback of the
	// same services; DefaultLockTimeout when zero.
	LockTimeout time.Duration
}

// DefaultLockTimeout is how long a rollout waits for the services' lock.
const DefaultLockTimeout = 2 * time.Second

// Outcome is how a rollout (or a request to one) ended.
type Outcome struct {
	Outcome  string
	ExitCode int
	Reason   string
	// Dir is the rollout's directory in the state directory.
	Dir string
}

// rollout is a rollout being carried out by this process.
type rollout struct {
	p    *plan.Plan
	opts Options
	dir  string
	d    Decision
	j    *journal
	sw   *swarmOps
	lock *rollback.Lock
	// pos is where the rollout is, as its journal says.
	pos position
	// seen are the control requests the journal recorded.
	seen map[string]bool
	// applied is the index of the last step whose changes were
	// journaled; -1 before the first.
	applied int
}

// position is where a journal leaves a rollout: the step (an index into
// Decision.Steps) to (re)enter, or a pause at it, or an abort or a
// promotion to carry out.
type position struct {
	step   int
	action string // "" (enter the step), Pause, Abort, Promote
	reason string
}

// Dir is the directory of the rollouts of a plan's canary services.
func Dir(p *plan.Plan) (string, error) {
	c := p.Canary
	if c == nil {
		return "", errors.New("the plan has no canary section")
	}
	state := p.Resolve(c.StateDir)
	if state == "" {
		var err error
		if state, err = rollback.DefaultStateDir(); err != nil {
			return "", err
		}
	}
	names := slices.Sorted(maps.Values(c.Services))
	key := strings.Join(names, "+")
	sum := sha256.Sum256([]byte(key))
	readable := strings.Trim(unsafeName.ReplaceAllString(key, "_"), "_")
	if len(readable) > 80 {
		readable = readable[:80]
	}
	return filepath.Join(state, "canary", readable+"-"+hex.EncodeToString(sum[:4])), nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._+-]+`)

func journalPath(dir string) string { return filepath.Join(dir, "journal.jsonl") }

func stateDir(dir string) string { return filepath.Dir(filepath.Dir(dir)) }

func lockTargets(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Canary.Services {
		out = append(out, "swarm service "+s)
	}
	return out
}

// Start rolls the plan's canary services out to the new image, step by
// step, or continues the unfinished rollout of the same image its journal
// holds (a canary that was killed). With DryRun it prints the table of
// task counts and changes nothing.
func Start(ctx context.Context, p *plan.Plan, opts Options) (Outcome, error) {
	c := p.Canary
	if c == nil {
		return Outcome{}, fmt.Errorf("%s: the plan has no canary section", p.Path)
	}
	newImage := cmp.Or(opts.NewImage, p.Images.New)
	if newImage == "" {
		return Outcome{}, errors.New("no new image: give --new or the plan's images.new")
	}
	opts = defaults(opts)
	dir, err := Dir(p)
	if err != nil {
		return Outcome{}, err
	}
	sw, err := newSwarmOps(ctx, c.Host, c.Timeout.Duration)
	if err != nil {
		return Outcome{}, err
	}
	defer sw.close()
	if opts.DryRun {
		d, err := decide(ctx, p, sw, newImage, opts.RunID)
		if err != nil {
			return Outcome{}, err
		}
		fmt.Fprint(opts.Console, d.Table)
		return Outcome{Outcome: OutcomeDryRun, Dir: dir, Reason: "nothing changed"}, nil
	}
	r := &rollout{p: p, opts: opts, dir: dir, sw: sw, seen: map[string]bool{}, applied: -1}
	if out, locked := r.takeLock(ctx); locked {
		return out, nil
	}
	defer r.lock.Release()
	j, entries, err := openJournal(journalPath(dir))
	if err != nil {
		return Outcome{}, err
	}
	if len(entries) > 0 && finished(entries) {
		j.close()
		if err := archive(dir, entries); err != nil {
			return Outcome{}, err
		}
		if j, entries, err = openJournal(journalPath(dir)); err != nil {
			return Outcome{}, err
		}
	}
	r.j = j
	defer j.close()
	if len(entries) > 0 {
		prev := entries[0].Plan
		if !rollback.SameImage(prev.NewImage, newImage) {
			return Outcome{}, fmt.Errorf("the rollout %s of %s to %s is unfinished (%s): `postflight canary resume` or `abort` it first",
				prev.RunID, serviceNames(prev.Services), prev.NewImage, lastWords(entries))
		}
		opts.Logf("canary: continuing rollout %s from its journal (%s)", prev.RunID, lastWords(entries))
		return r.resume(ctx, entries, "")
	}
	d, err := decide(ctx, p, sw, newImage, opts.RunID)
	if err != nil {
		return Outcome{}, err
	}
	r.d = d
	if _, err := r.append(Entry{Event: EventDecided, Plan: &d, Who: ptr(whoAmI()), By: "person",
		Reason: fmt.Sprintf("roll %s out to %s in %d step(s)", serviceNames(d.Services), newImage, len(d.Steps))}); err != nil {
		return Outcome{}, err
	}
	opts.Logf("canary: rollout %s of %s to %s, journal %s", d.RunID, serviceNames(d.Services), newImage, journalPath(dir))
	return r.drive(ctx), nil
}

// Act carries out a person's action (resume, abort, promote) on the
// plan's rollout in progress: a running canary gets it as a control
// request and records it; a rollout whose process is gone is taken over
// by this process, which does it.
func Act(ctx context.Context, p *plan.Plan, action string, opts Options) (Outcome, error) {
	if err := validAction(action); err != nil {
		return Outcome{}, err
	}
	if p.Canary == nil {
		return Outcome{}, fmt.Errorf("%s: the plan has no canary section", p.Path)
	}
	opts = defaults(opts)
	dir, err := Dir(p)
	if err != nil {
		return Outcome{}, err
	}
	entries, _, err := readJournal(journalPath(dir))
	if errors.Is(err, os.ErrNotExist) || (err == nil && (len(entries) == 0 || finished(entries))) {
		return Outcome{}, fmt.Errorf("no rollout of %s in progress (journal %s)", strings.Join(slices.Sorted(maps.Values(p.Canary.Services)), ", "), journalPath(dir))
	}
	if err != nil {
		return Outcome{}, err
	}
	lock, err := rollback.AcquireLock(ctx, stateDir(dir), lockTargets(p), opts.RunID, 0)
	var le *rollback.LockedError
	if errors.As(err, &le) {
		return request(ctx, dir, action, le)
	}
	if err != nil {
		return Outcome{}, err
	}
	sw, err := newSwarmOps(ctx, entries[0].Plan.Host, entries[0].Plan.Timeout)
	if err != nil {
		lock.Release()
		return Outcome{}, err
	}
	defer sw.close()
	r := &rollout{p: p, opts: opts, dir: dir, sw: sw, lock: lock, seen: map[string]bool{}, applied: -1}
	defer lock.Release()
	j, entries, err := openJournal(journalPath(dir))
	if err != nil {
		return Outcome{}, err
	}
	r.j = j
	defer j.close()
	opts.Logf("canary: no canary runs rollout %s: taking it over to %s it (%s)", entries[0].Plan.RunID, action, lastWords(entries))
	return r.resume(ctx, entries, action)
}

// request leaves a control request for the running canary and waits until
// its journal records it.
func request(ctx context.Context, dir, action string, le *rollback.LockedError) (Outcome, error) {
	req, err := writeRequest(dir, action, whoAmI())
	if err != nil {
		return Outcome{}, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _, err := readJournal(journalPath(dir))
		if err == nil {
			for _, e := range entries {
				if e.Event == EventControl && e.Request == req.ID {
					return Outcome{Outcome: OutcomeRequested, Dir: dir, Reason: fmt.Sprintf("%s picked up by %s at step %d: %s", action, le.Holder, e.Step, e.Reason)}, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		case <-time.After(controlPoll):
		}
	}
	return Outcome{Outcome: OutcomeRequested, ExitCode: ExitInconclusive, Dir: dir,
		Reason: fmt.Sprintf("%s requested (%s) but %s has not picked it up within 30s: it does when it waits between steps or in a pause", action, req.ID, le.Holder)}, nil
}

func defaults(opts Options) Options {
	if opts.RunID == "" {
		b := make([]byte, 6)
		rand.Read(b)
		opts.RunID = "canary-" + hex.EncodeToString(b)
	}
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	return opts
}

// takeLock locks the services; when another process holds them, the
// outcome says who.
func (r *rollout) takeLock(ctx context.Context) (Outcome, bool) {
	lock, err := rollback.AcquireLock(ctx, stateDir(r.dir), lockTargets(r.p), r.opts.RunID, r.opts.LockTimeout)
	if err != nil {
		return Outcome{Outcome: OutcomeLocked, ExitCode: ExitInconclusive, Dir: r.dir, Reason: err.Error()}, true
	}
	r.lock = lock
	return Outcome{}, false
}

// decide reads the stable services and computes every step's task counts.
func decide(ctx context.Context, p *plan.Plan, sw *swarmOps, newImage, runID string) (Decision, error) {
	c := p.Canary
	steps, err := c.StepList()
	if err != nil {
		return Decision{}, err
	}
	d := Decision{RunID: runID, Plan: p.Path, NewImage: newImage, Host: c.Host, Interval: c.Interval.Duration, Timeout: c.Timeout.Duration,
		Inconclusive: c.Inconclusive, Checks: c.Checks, Verify: c.Verify}
	var tables []canary.Table
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		swarmName := c.Services[name]
		svc, n, err := sw.stable(ctx, swarmName)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		img := svc.Spec.TaskTemplate.ContainerSpec.Image
		if rollback.SameImage(img, newImage) {
			errs = append(errs, fmt.Errorf("swarm service %s already runs %s", swarmName, newImage))
			continue
		}
		if n < 1 {
			errs = append(errs, fmt.Errorf("swarm service %s runs no task (0 replicas): there is nothing to move", swarmName))
			continue
		}
		t, err := canary.NewTable(n, steps)
		if err != nil {
			errs = append(errs, fmt.Errorf("swarm service %s: %w", swarmName, err))
			continue
		}
		tables = append(tables, t)
		d.Services = append(d.Services, Service{Stack: name, Swarm: swarmName, Canary: swarmName + "-canary", Replicas: n, OldImage: img})
	}
	if err := errors.Join(errs...); err != nil {
		return Decision{}, err
	}
	var table strings.Builder
	for i, t := range tables {
		s := d.Services[i]
		fmt.Fprintf(&table, "%s (swarm service %s, %d task(s), %s -> %s):\n%s", s.Stack, s.Swarm, s.Replicas, s.OldImage, newImage, t)
		for _, w := range t.Warnings() {
			d.Warnings = append(d.Warnings, s.Swarm+": "+w)
		}
	}
	d.Table = table.String()
	for k, row := range tables[0].Rows {
		st := Step{Step: row.Step, Asked: row.Asked.String()}
		for i, t := range tables {
			st.Tasks = append(st.Tasks, t.Rows[k].Tasks)
			for _, n := range t.Rows[k].Notes {
				st.Notes = append(st.Notes, d.Services[i].Swarm+": "+n.Text)
			}
		}
		d.Steps = append(d.Steps, st)
	}
	return d, nil
}

// resume continues a journaled rollout; action, when set, is a person's
// (this process's user) to carry out first.
func (r *rollout) resume(ctx context.Context, entries []Entry, action string) (Outcome, error) {
	r.d = *entries[0].Plan
	for _, e := range entries {
		r.track(e)
	}
	if _, err := r.append(Entry{Event: EventResumed, Step: r.pos.step + 1, Who: ptr(whoAmI()),
		Reason: fmt.Sprintf("taken over from the journal by run %s: %s", r.opts.RunID, lastWords(entries))}); err != nil {
		return Outcome{}, err
	}
	switch {
	case action != "":
		if _, err := r.append(r.personEntry(action, "", whoAmI())); err != nil {
			return Outcome{}, err
		}
	case r.pos.action == Pause:
		// `postflight canary resume` of a paused rollout whose canary
		// was killed: the person resumes it.
		if _, err := r.append(r.personEntry(Resume, "", whoAmI())); err != nil {
			return Outcome{}, err
		}
	}
	return r.drive(ctx), nil
}

// personEntry is the control entry of a person's action, decided now.
func (r *rollout) personEntry(action, id string, who Who) Entry {
	e := Entry{Event: EventControl, Step: r.pos.step + 1, By: "person", Who: &who, Request: id, Decision: action}
	switch {
	case action == Resume && r.pos.action != Pause:
		e.Decision = ""
		e.Reason = fmt.Sprintf("%s asked to resume, but the rollout is not paused: nothing to do", who.User)
	case action == Resume:
		e.Reason = fmt.Sprintf("%s resumed the pause at step %d", who.User, r.pos.step+1)
	default:
		e.Reason = fmt.Sprintf("%s asked to %s at step %d", who.User, action, r.pos.step+1)
	}
	return e
}

// track moves the position as an entry says.
func (r *rollout) track(e Entry) {
	switch e.Event {
	case EventControl:
		r.seen[e.Request] = true
	}
	switch {
	case e.Event == EventStep:
		r.pos = position{step: e.Step - 1}
		r.applied = e.Step - 1
	case e.Event == EventAborting:
		r.pos = position{step: r.pos.step, action: Abort, reason: e.Reason}
	case e.Event == EventPromoting:
		r.pos = position{step: r.pos.step, action: Promote, reason: e.Reason}
	case e.Decision == Advance:
		r.pos = position{step: e.Step}
	case e.Decision == Resume:
		r.pos = position{step: r.pos.step + 1}
	case e.Decision == Pause:
		r.pos = position{step: e.Step - 1, action: Pause, reason: e.Reason}
	case e.Decision == Abort, e.Decision == Promote:
		if r.pos.action != Abort { // an abort is never turned into a promotion
			r.pos = position{step: r.pos.step, action: e.Decision, reason: e.Reason}
		}
	}
}

// append journals an entry, durable, then moves the position.
func (r *rollout) append(e Entry) (Entry, error) {
	e, err := r.j.append(e)
	if err != nil {
		return e, err
	}
	r.track(e)
	return e, nil
}

// drive carries the rollout on from its position to its end.
func (r *rollout) drive(ctx context.Context) Outcome {
	for {
		if ctx.Err() != nil {
			return r.interrupted()
		}
		var err error
		switch r.pos.action {
		case Abort:
			return r.abort(ctx)
		case Promote:
			out, ok := r.promote(ctx)
			if ok {
				return out
			}
			continue // the promotion's verification failed: roll back
		case Pause:
			err = r.waitForPerson(ctx)
		default:
			if r.pos.step >= len(r.d.Steps)-1 {
				_, err = r.append(Entry{Event: EventJudged, Step: r.pos.step + 1, Decision: Promote, By: "policy",
					Reason: fmt.Sprintf("step %d is the last: every task moves to %s", r.pos.step+1, r.d.NewImage)})
				break
			}
			err = r.step(ctx)
		}
		if ctx.Err() != nil {
			return r.interrupted()
		}
		if err != nil {
			r.opts.Logf("canary: %v", err)
			if _, jerr := r.append(Entry{Event: EventAborting, Step: r.pos.step + 1, By: "policy", Reason: "the rollout could not go on: " + err.Error(), Changes: r.rollbackChanges()}); jerr != nil {
				return r.fail(jerr)
			}
		}
	}
}

// step carries out one step: change, converge, wait, check, decide.
func (r *rollout) step(ctx context.Context) error {
	i := r.pos.step
	st := r.d.Steps[i]
	var changes []Change
	for k, s := range r.d.Services {
		prev := 0
		if i > 0 {
			prev = r.d.Steps[i-1].Tasks[k]
		}
		c := st.Tasks[k]
		changes = append(changes, Change{Service: s.Canary, From: prev, To: c, Image: r.d.NewImage},
			Change{Service: s.Swarm, From: s.Replicas - prev, To: s.Replicas - c, Image: s.OldImage})
	}
	if _, err := r.append(Entry{Event: EventStep, Step: st.Step, By: "policy", Changes: changes,
		Reason: fmt.Sprintf("step %d of %d: %s of the tasks", st.Step, len(r.d.Steps), st.Asked)}); err != nil {
		return err
	}
	r.opts.Logf("canary: step %d of %d (%s): %s", st.Step, len(r.d.Steps), st.Asked, changeList(changes))
	canaries := map[string][]Task{}
	var all []Task
	for k, s := range r.d.Services {
		if err := r.sw.ensureCanary(ctx, s.Swarm, s.Canary, r.d.NewImage, r.d.RunID, st.Tasks[k]); err != nil {
			return err
		}
		tasks, err := r.sw.converge(ctx, s.Canary, r.d.NewImage, st.Tasks[k])
		if err != nil {
			return err
		}
		canaries[s.Stack] = tasks
		all = append(all, tasks...)
	}
	stable := map[string][]Task{}
	for k, s := range r.d.Services {
		if err := r.sw.set(ctx, s.Swarm, s.OldImage, s.Replicas-st.Tasks[k]); err != nil {
			return err
		}
		tasks, err := r.sw.converge(ctx, s.Swarm, s.OldImage, s.Replicas-st.Tasks[k])
		if err != nil {
			return err
		}
		stable[s.Stack] = tasks
		all = append(all, tasks...)
	}
	if _, err := r.append(Entry{Event: EventConverged, Step: st.Step, Tasks: all,
		Reason: fmt.Sprintf("step %d converged: %s", st.Step, taskSummary(all))}); err != nil {
		return err
	}
	if acted, err := r.wait(ctx, r.d.Interval); acted || err != nil {
		return err
	}
	r.opts.Logf("canary: step %d: %d check(s) against the canary", st.Step, len(r.d.Checks))
	results := r.checks(ctx, engine.PhaseCheck, r.d.Checks, canaries, stable)
	if ctx.Err() != nil {
		return nil
	}
	v := slo.Decide(result.Outcomes(results))
	e := Entry{Event: EventJudged, Step: st.Step, By: "policy", Checks: results, Verdict: &v}
	// A node lost, or a task gone, while the checks ran: the step was not
	// judged on what it converged to, and neither a pass nor a failure of
	// the new version says so. The rollout pauses whatever the checks
	// said, for a person to resume or abort once the cluster is whole.
	lost, lerr := r.sw.lost(ctx, all)
	if lerr != nil {
		lost = append(lost, "the cluster could not be read: "+lerr.Error())
	}
	switch {
	case len(lost) > 0:
		e.Decision = Pause
		e.Reason = fmt.Sprintf("step %d not judged: the cluster changed under it: %s", st.Step, strings.Join(lost, "; "))
	case v.Status == slo.Pass:
		e.Decision, e.Reason = Advance, fmt.Sprintf("step %d passed: %s", st.Step, v.Reason)
	case v.Status == slo.Fail:
		e.Decision, e.Reason = Abort, fmt.Sprintf("step %d failed: %s", st.Step, failedObjectives(results, v))
	default:
		e.Decision = r.d.Inconclusive
		e.Reason = fmt.Sprintf("step %d inconclusive (canary.inconclusive: %s): %s", st.Step, r.d.Inconclusive, v.Reason)
	}
	r.opts.Logf("canary: %s -> %s", e.Reason, e.Decision)
	if _, err := r.append(e); err != nil {
		return err
	}
	_, err := r.poll()
	return err
}

// wait waits d, or until a person's request changes the position (acted).
func (r *rollout) wait(ctx context.Context, d time.Duration) (acted bool, err error) {
	deadline := time.Now().Add(d)
	for {
		from := r.pos
		if _, err := r.poll(); err != nil {
			return false, err
		}
		if r.pos != from {
			return true, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(min(left, controlPoll)):
		}
	}
}

// waitForPerson waits in a pause until a person resumes, aborts or
// promotes.
func (r *rollout) waitForPerson(ctx context.Context) error {
	r.opts.Logf("canary: paused at step %d: %s; `postflight canary resume|abort|promote` decides", r.pos.step+1, r.pos.reason)
	for r.pos.action == Pause {
		if _, err := r.poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(controlPoll):
		}
	}
	return nil
}

// poll picks up the oldest pending control request: journaled, then
// acted on through the position.
func (r *rollout) poll() (bool, error) {
	for _, req := range pendingRequests(r.dir) {
		if r.seen[req.ID] {
			removeRequest(r.dir, req)
			continue
		}
		e := r.personEntry(req.Action, req.ID, req.Who)
		if validAction(req.Action) != nil {
			e.Decision, e.Reason = "", fmt.Sprintf("%s asked for %q: no such action", req.Who.User, req.Action)
		}
		if _, err := r.append(e); err != nil {
			return false, err
		}
		removeRequest(r.dir, req)
		r.opts.Logf("canary: %s", e.Reason)
		return true, nil
	}
	return false, nil
}

// abort puts the stable services back to all their tasks on the old
// image, removes the canaries and verifies.
func (r *rollout) abort(ctx context.Context) Outcome {
	reason := r.pos.reason
	if last := r.lastEvent(); last != EventAborting {
		if _, err := r.append(Entry{Event: EventAborting, Step: r.pos.step + 1, By: "policy", Changes: r.rollbackChanges(), Reason: reason}); err != nil {
			return r.fail(err)
		}
	}
	r.opts.Logf("canary: aborting at step %d: %s", r.pos.step+1, reason)
	var all []Task
	var errs []error
	for _, s := range r.d.Services {
		if err := r.sw.set(ctx, s.Swarm, s.OldImage, s.Replicas); err != nil {
			errs = append(errs, err)
			continue
		}
		tasks, err := r.sw.converge(ctx, s.Swarm, s.OldImage, s.Replicas)
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, tasks...)
	}
	for _, s := range r.d.Services {
		if err := r.sw.remove(ctx, s.Canary); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := r.sw.converge(ctx, s.Canary, r.d.NewImage, 0); err != nil {
			errs = append(errs, err)
		}
	}
	if ctx.Err() != nil {
		return r.interrupted()
	}
	if err := errors.Join(errs...); err != nil {
		return r.finish(OutcomeRollbackFailed, ExitRollbackFailed, fmt.Sprintf("aborted at step %d (%s); the rollback failed: %v", r.pos.step+1, reason, err))
	}
	if _, err := r.append(Entry{Event: EventRolledBack, Step: r.pos.step + 1, Tasks: all, Reason: "the stable services run every task on the old image again: " + taskSummary(all)}); err != nil {
		return r.fail(err)
	}
	v, err := r.verify(ctx, func(s Service) string { return s.OldImage })
	if err != nil {
		return r.fail(err)
	}
	if ctx.Err() != nil {
		return r.interrupted()
	}
	if v.Status != slo.Pass {
		return r.finish(OutcomeRollbackFailed, ExitRollbackFailed, fmt.Sprintf("aborted at step %d (%s); rolled back, but verification did not pass: %s", r.pos.step+1, reason, v.Reason))
	}
	return r.finish(OutcomeRolledBack, ExitRolledBack, fmt.Sprintf("aborted at step %d: %s; rolled back and verified", r.pos.step+1, reason))
}

// promote moves the stable services to the new image, removes the
// canaries and verifies; ok is false when the verification failed and the
// rollout is to be rolled back.
func (r *rollout) promote(ctx context.Context) (Outcome, bool) {
	if r.lastEvent() != EventPromoting {
		var changes []Change
		for k, s := range r.d.Services {
			c := r.canaryTasks(k)
			changes = append(changes, Change{Service: s.Swarm, From: s.Replicas - c, To: s.Replicas, Image: r.d.NewImage}, Change{Service: s.Canary, From: c, Removed: true})
		}
		if _, err := r.append(Entry{Event: EventPromoting, Step: r.pos.step + 1, Changes: changes, Reason: r.pos.reason}); err != nil {
			return r.fail(err), true
		}
	}
	r.opts.Logf("canary: promoting %s to %s", serviceNames(r.d.Services), r.d.NewImage)
	var all []Task
	for _, s := range r.d.Services {
		if err := r.sw.set(ctx, s.Swarm, r.d.NewImage, s.Replicas); err != nil {
			return r.promotionFailed(err)
		}
	}
	for _, s := range r.d.Services {
		tasks, err := r.sw.converge(ctx, s.Swarm, r.d.NewImage, s.Replicas)
		if err != nil {
			return r.promotionFailed(err)
		}
		all = append(all, tasks...)
		if err := r.sw.remove(ctx, s.Canary); err != nil {
			return r.promotionFailed(err)
		}
		if _, err := r.sw.converge(ctx, s.Canary, r.d.NewImage, 0); err != nil {
			return r.promotionFailed(err)
		}
	}
	if _, err := r.append(Entry{Event: EventPromoted, Step: r.pos.step + 1, Tasks: all, Reason: "every task runs the new image: " + taskSummary(all)}); err != nil {
		return r.fail(err), true
	}
	v, err := r.verify(ctx, func(Service) string { return r.d.NewImage })
	if err != nil {
		return r.fail(err), true
	}
	if ctx.Err() != nil {
		return r.interrupted(), true
	}
	if v.Status != slo.Pass {
		if _, err := r.append(Entry{Event: EventAborting, Step: r.pos.step + 1, By: "policy", Changes: r.rollbackChanges(),
			Reason: "the promotion's verification did not pass: " + v.Reason}); err != nil {
			return r.fail(err), true
		}
		return Outcome{}, false
	}
	return r.finish(OutcomePromoted, ExitPromoted, fmt.Sprintf("every task of %s runs %s, verified", serviceNames(r.d.Services), r.d.NewImage)), true
}

func (r *rollout) promotionFailed(err error) (Outcome, bool) {
	if _, jerr := r.append(Entry{Event: EventAborting, Step: r.pos.step + 1, By: "policy", Changes: r.rollbackChanges(),
		Reason: "the promotion could not be carried out: " + err.Error()}); jerr != nil {
		return r.fail(jerr), true
	}
	return Outcome{}, false
}

// verify holds every stable service's running tasks to image, through the
// manager, then runs the verify checks against them.
func (r *rollout) verify(ctx context.Context, image func(Service) string) (slo.Verdict, error) {
	stable := map[string][]Task{}
	var results []result.Result
	for _, s := range r.d.Services {
		tasks, _, err := r.sw.tasks(ctx, s.Swarm)
		res := result.Result{Name: "swarm tasks of " + s.Swarm, Kind: "swarm", Phase: engine.PhaseVerify,
			Target: "swarm service " + s.Swarm, Expected: fmt.Sprintf("%d running task(s) of %s, no canary", s.Replicas, image(s)), Attempts: 1}
		canaries, _, cerr := r.sw.tasks(ctx, s.Canary)
		wrong := 0
		for _, t := range tasks {
			if !rollback.SameImage(t.Image, image(s)) {
				wrong++
			}
		}
		switch {
		case err != nil || cerr != nil:
			res = res.Unmeasured(errors.Join(err, cerr).Error())
		case len(tasks) != s.Replicas || wrong > 0 || len(canaries) > 0:
			res.Status = slo.Fail
			res.Observed = fmt.Sprintf("%d running task(s), %d of another image, %d canary task(s)", len(tasks), wrong, len(canaries))
			res.Reason = res.Observed
		default:
			res.Status = slo.Pass
			res.Observed = taskSummary(tasks)
			res.Reason = "every task on " + image(s)
		}
		results = append(results, res)
		stable[s.Stack] = tasks
	}
	results = append(results, r.checks(ctx, engine.PhaseVerify, r.d.Verify, stable, nil)...)
	v := slo.Decide(result.Outcomes(results))
	_, err := r.append(Entry{Event: EventVerified, Step: r.pos.step + 1, Checks: results, Verdict: &v, Reason: fmt.Sprintf("%s: %s", v.Status, v.Reason)})
	r.opts.Logf("canary: verification %s: %s", v.Status, v.Reason)
	return v, err
}

// checks runs the named checks of the plan against the tasks of one side,
// once per task up to MaxTasksChecked; with several, each result names
// its tasks. baseline, when not nil, is the stable side beside it: a
// compare check of a moved service holds the canary's task to a stable
// task of that service (Env.Baseline). Every step but the promotion
// leaves the stable service a task (harness/canary's rule 4), but for a
// service of a single task: it has none to compare with, and a compare
// check is inconclusive.
func (r *rollout) checks(ctx context.Context, phase string, names []string, tasks, baseline map[string][]Task) []result.Result {
	var checks []plan.Check
	for _, n := range names {
		checks = append(checks, r.p.Check(n))
	}
	old := ""
	if len(r.d.Services) > 0 {
		old = r.d.Services[0].OldImage
	}
	all := sides(tasks, r.existing())
	var out []result.Result
	for _, eps := range all {
		if ctx.Err() != nil {
			break
		}
		env := engine.Env{Phase: phase, Endpoints: eps, NewImage: r.d.NewImage, OldImage: old, RunID: r.d.RunID}
		if baseline != nil {
			env.Baseline = eps.beside(baseline)
		}
		ph := engine.Phase{Checks: checks, FailFast: r.p.Policy.FailsFast(), Logf: r.opts.Logf, Env: env}
		results := ph.Run(ctx)
		for i := range results {
			if len(all) > 1 {
				results[i].Name += " [" + eps.String() + "]"
			}
		}
		out = append(out, results...)
		if r.p.Policy.FailsFast() && slices.ContainsFunc(results, func(res result.Result) bool { return res.Status == slo.Fail }) {
			break
		}
	}
	return out
}

// existing resolves the services the rollout does not move, as the plan
// says.
func (r *rollout) existing() result.Endpoints {
	urls := map[string]string{}
	if e := r.p.Stack.Existing; e != nil {
		for name, s := range e.Services {
			urls[name] = s.URL
		}
	}
	return stack.NewExisting(urls)
}

func (r *rollout) rollbackChanges() []Change {
	var changes []Change
	for k, s := range r.d.Services {
		c := r.canaryTasks(k)
		changes = append(changes, Change{Service: s.Swarm, From: s.Replicas - c, To: s.Replicas, Image: s.OldImage}, Change{Service: s.Canary, From: c, Removed: true})
	}
	return changes
}

// canaryTasks is the task count of service k's canary as the journal
// last set it.
func (r *rollout) canaryTasks(k int) int {
	if r.applied < 0 {
		return 0
	}
	return r.d.Steps[r.applied].Tasks[k]
}

func (r *rollout) lastEvent() Event {
	entries, _, err := readJournal(r.j.path)
	if err != nil || len(entries) == 0 {
		return ""
	}
	return entries[len(entries)-1].Event
}

// interrupted journals that the process stopped with the rollout where it
// is.
func (r *rollout) interrupted() Outcome {
	reason := fmt.Sprintf("interrupted at step %d: the services stay as they are; `postflight canary resume` continues, `abort` rolls back", r.pos.step+1)
	if _, err := r.append(Entry{Event: EventInterrupted, Step: r.pos.step + 1, Who: ptr(whoAmI()), Reason: reason}); err != nil {
		return r.fail(err)
	}
	return Outcome{Outcome: OutcomeInterrupted, ExitCode: ExitInterrupted, Reason: reason, Dir: r.dir}
}

func (r *rollout) finish(outcome string, code int, reason string) Outcome {
	if _, err := r.append(Entry{Event: EventFinished, Step: r.pos.step + 1, Outcome: outcome, ExitCode: code, Reason: reason}); err != nil {
		return r.fail(err)
	}
	r.opts.Logf("canary: %s: %s", strings.ToUpper(outcome), reason)
	return Outcome{Outcome: outcome, ExitCode: code, Reason: reason, Dir: r.dir}
}

// fail is a rollout whose journal cannot be written: it stops, since
// nothing may be done that is not journaled first.
func (r *rollout) fail(err error) Outcome {
	return Outcome{Outcome: OutcomeRollbackFailed, ExitCode: ExitRollbackFailed, Dir: r.dir,
		Reason: fmt.Sprintf("stopped at step %d: %v (the journal must record a change before it is made)", r.pos.step+1, err)}
}

// failedObjectives names every failed check with its failed objectives:
// "kv-latency: p50 latency 301ms exceeds budget 50ms by 251ms (502%)".
func failedObjectives(results []result.Result, v slo.Verdict) string {
	var parts []string
	for _, res := range results {
		if res.Status != slo.Fail {
			continue
		}
		var objs []string
		for _, o := range res.Objectives {
			if o.Status == slo.Fail {
				objs = append(objs, o.Reason)
			}
		}
		if len(objs) == 0 {
			objs = append(objs, res.Reason)
		}
		parts = append(parts, res.Name+": "+strings.Join(objs, "; "))
	}
	if len(parts) == 0 {
		return v.Reason
	}
	return strings.Join(parts, "; ")
}

func taskSummary(tasks []Task) string {
	if len(tasks) == 0 {
		return "no task"
	}
	var parts []string
	for _, t := range tasks {
		parts = append(parts, fmt.Sprintf("%s.%d %s on node %s (%s)", t.Service, t.Slot, shortID(t.ID), shortID(t.Node), t.Image))
	}
	return strings.Join(parts, ", ")
}

func changeList(changes []Change) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, ", ")
}

func serviceNames(services []Service) string {
	var names []string
	for _, s := range services {
		names = append(names, s.Swarm)
	}
	return strings.Join(names, ", ")
}

func lastWords(entries []Entry) string {
	e := entries[len(entries)-1]
	s := fmt.Sprintf("last entry %q at step %d, %s", e.Event, e.Step, e.Time.Format(time.RFC3339))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func ptr[T any](v T) *T { return &v }

// archive moves a finished journal to done/, named after its run.
func archive(dir string, entries []Entry) error {
	done := filepath.Join(dir, "done")
	if err := os.MkdirAll(done, 0o700); err != nil {
		return fmt.Errorf("archive the finished journal: %w", err)
	}
	name := unsafeName.ReplaceAllString(entries[0].Plan.RunID, "_") + ".jsonl"
	if err := os.Rename(journalPath(dir), filepath.Join(done, name)); err != nil {
		return fmt.Errorf("archive the finished journal: %w", err)
	}
	return nil
}
