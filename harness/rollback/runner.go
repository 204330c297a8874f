package rollback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/postflight/postflight/internal/safetext"
)

// Runner carries a rollback out with a Driver. With a state directory a
// rollback is safe to interrupt and to race:
//
//  1. it locks every target the driver names, waiting up to LockTimeout for
//     another rollback of them to end, then returns a *LockedError; when
//     the rollback it waited for rolled the same new version back to the
//     same old one, it does not act again and takes that outcome (see
//     Settled and Outcome.AlreadyBy);
//  2. it converges any unfinished rollback of those targets journaled in
//     the state directory (Outcome.Resumed);
//  3. the driver decides the steps, changing nothing: an error here (a
//     service that does not exist, no previous spec, a daemon that is down)
//     leaves no trace;
//  4. the decision, then each step before it is applied, then the
//     verification are appended to the journal, fsynced;
//  5. once verified, the journal is removed and the locks released.
//
// A rollback that fails after its decision keeps its journal, with the
// error; Resume, or the next rollback of the same target, tries again.
// Without a state directory steps 1, 2, 4 and 5 are left out.
type Runner struct {
	Driver Driver
	// StateDir holds journals and locks (see DefaultStateDir).
	StateDir string
	// LockTimeout bounds the wait for a target another rollback holds;
	// DefaultLockTimeout when zero.
	LockTimeout time.Duration
	// Verify, when set, runs after the driver's own verification and must
	// pass for the rollback to count as verified: the plan's verify checks.
	Verify func(ctx context.Context, req Request) error
	// Logf receives a line per step; nil discards them.
	Logf func(format string, args ...any)

	// planConfig is ResumeOptions.Config.
	planConfig *Config
}

// Describe says what a rollback of req does, without looking at the target.
func (r *Runner) Describe(req Request) string { return r.Driver.Describe(req) }

// DryRun decides what a rollback of req would do and says so, changing
// nothing: no lock, no journal, no change to the target.
func (r *Runner) DryRun(ctx context.Context, req Request) (Outcome, error) {
	start := time.Now()
	out := Outcome{Driver: r.Driver.Name(), DryRun: true, ExitCode: -1}
	var lines []string
	if r.StateDir != "" {
		pending, err := Pending(r.StateDir)
		if err != nil {
			lines = append(lines, fmt.Sprintf("warning: read rollback journals in %s: %v", r.StateDir, err))
		}
		for _, u := range pending {
			if overlaps(u.Decision.Targets, r.Driver.Targets(req)) {
				lines = append(lines, "would first resume the interrupted "+u.String())
			}
		}
	}
	steps, err := r.Driver.Decide(ctx, req)
	out.Duration = time.Since(start)
	if err != nil {
		out.Output = strings.Join(lines, "\n")
		return out, err
	}
	out.Action = summarize(steps)
	out.Steps = results(steps)
	for _, s := range steps {
		lines = append(lines, "would "+s.String())
	}
	out.Output = strings.Join(lines, "\n")
	out.ExitCode = 0
	return out, nil
}

// RollBack rolls req back (see Runner). The outcome is filled in as far as
// the rollback got, also when it returns an error.
func (r *Runner) RollBack(ctx context.Context, req Request) (out Outcome, err error) {
	start := time.Now()
	out = Outcome{Driver: r.Driver.Name(), ExitCode: -1}
	defer func() { out.Duration = time.Since(start) }()
	targets := r.Driver.Targets(req)
	holder := me(req.RunID)
	if r.StateDir != "" {
		waited := time.Now()
		lk, err := acquireLocks(ctx, r.StateDir, targets, holder, r.lockTimeout())
		if err != nil {
			return out, err
		}
		defer lk.release()
		// The holder we waited for may have done what we were about to.
		if s := settledSince(r.StateDir, targets, req, waited); s != nil {
			return out, r.alreadyDone(ctx, req, s, &out)
		}
		// A journal that cannot be read names no target, so it blocks no
		// rollback; Resume reports it.
		if err := removeFinished(r.StateDir); err != nil {
			r.logf("warning: %v", err)
		}
		pending, err := Pending(r.StateDir)
		if err != nil {
			r.logf("warning: read rollback journals in %s: %v", r.StateDir, err)
		}
		for _, u := range pending {
			if !overlaps(u.Decision.Targets, targets) {
				continue
			}
			if u.Last.Event == EventFailed && u.Last.Time.After(waited) && sameImages(u.Decision.Request, req) {
				out.AlreadyBy = u.Decision.RunID
				return out, fmt.Errorf("run %s rolled the same target back from %s to %s while this rollback waited, and failed: %s; not tried again (postflight rollback --resume tries again)",
					u.Decision.RunID, orUnknown(req.NewImage), orUnknown(req.OldImage), u.Last.Error)
			}
			r.logf("resuming the interrupted %s", u)
			out.Resumed = append(out.Resumed, u.Decision.RunID)
			if _, err := r.resume(ctx, u.Path); err != nil && !errors.Is(err, errJournalGone) {
				return out, fmt.Errorf("resume interrupted rollback %s: %w", u.Decision.RunID, err)
			}
		}
	}
	steps, err := r.Driver.Decide(ctx, req)
	out.Action = summarize(steps)
	out.Steps = results(steps)
	if err != nil {
		return out, err
	}
	for _, s := range steps {
		r.logf("decided: %s", s)
	}
	dec := Decision{RunID: req.RunID, Config: r.Driver.Config(), Request: req, Targets: targets, Steps: steps}
	var j *journal
	if r.StateDir != "" {
		j, err = createJournal(r.StateDir, req.RunID, Entry{Event: EventDecided, Step: -1, By: &holder, Decision: &dec})
		if err != nil {
			return out, err
		}
		out.Journal = j.path
	}
	err = r.carryOut(ctx, j, r.Driver, dec, false, &out)
	return out, err
}

// alreadyDone reports a rollback that found its target rolled back, from
// the same new version to the same old one, by the rollback it waited for:
// it does not act again, and the outcome is the holder's, rolled back. The
// plan's verify checks (Runner.Verify) still run, so that what is reported
// was seen.
func (r *Runner) alreadyDone(ctx context.Context, req Request, s *Settled, out *Outcome) error {
	out.AlreadyBy = s.RunID
	out.Action = "already rolled back by run " + s.RunID
	out.Output = fmt.Sprintf("run %s rolled %s back from %s to %s at %s while this rollback waited for it; not rolled back again",
		s.RunID, s.Target, orUnknown(s.NewImage), orUnknown(s.OldImage), s.Finished.Format(time.RFC3339))
	out.Verified = s.Verified
	r.logf("%s", out.Output)
	if r.Verify != nil {
		if err := r.Verify(ctx, req); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	out.ExitCode = 0
	return nil
}

func sameImages(a, b Request) bool { return a.OldImage == b.OldImage && a.NewImage == b.NewImage }

// errJournalGone says a journal was removed before it could be resumed:
// another process finished its rollback meanwhile. Only the journal's own
// absence means that; a driver's "not found" (a missing rollback script)
// is a failure.
var errJournalGone = errors.New("journal removed: the rollback was finished by another process")

// resume converges one journaled rollback; the caller holds its locks.
func (r *Runner) resume(ctx context.Context, path string) (out Outcome, err error) {
	start := time.Now()
	defer func() { out.Duration = time.Since(start) }()
	j, entries, err := openJournal(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, errJournalGone
	}
	if err != nil {
		return out, err
	}
	dec := *entries[0].Decision
	last := entries[len(entries)-1]
	out = Outcome{Driver: dec.Config.Driver, ExitCode: -1, Journal: path, Action: summarize(dec.Steps), Steps: results(dec.Steps)}
	if last.Event == EventFinished {
		out.ExitCode = 0
		return out, j.remove()
	}
	cfg, err := restoreSecrets(dec.Config, r.fullConfig())
	if err != nil {
		j.close()
		return out, fmt.Errorf("driver of journal %s: %w", path, err)
	}
	d, err := New(cfg)
	if err != nil {
		j.close()
		return out, fmt.Errorf("driver of journal %s: %w", path, err)
	}
	if c, ok := d.(io.Closer); ok {
		defer c.Close()
	}
	if err := r.waitOrphans(ctx, entries, dec); err != nil {
		j.close()
		return out, err
	}
	by := me(dec.RunID)
	if err := j.append(Entry{Event: EventResumed, Step: -1, By: &by, Note: "stopped at " + string(last.Event)}); err != nil {
		j.close()
		return out, err
	}
	err = r.carryOut(ctx, j, d, dec, true, &out)
	return out, err
}

// waitOrphans waits, up to the lock timeout, for the commands a journal
// says were started on this host and whose processes still run: the
// process that started them died, and starting the command again beside
// them would run two rollbacks at once. It returns a *LockedError naming
// them when they outlive the wait.
func (r *Runner) waitOrphans(ctx context.Context, entries []Entry, dec Decision) error {
	host, _ := os.Hostname()
	start := time.Now()
	deadline := start.Add(r.lockTimeout())
	for _, e := range entries {
		if e.Event != EventSpawned || e.PGID <= 0 || e.By == nil || e.By.Host != host {
			continue
		}
		for {
			pids := groupMembers(e.PGID, dec.RunID)
			if len(pids) == 0 {
				break
			}
			if !time.Now().Before(deadline) {
				return &LockedError{Target: fmt.Sprintf("%s (the command that run %s started, process group %d, still runs: pids %v)",
					strings.Join(dec.Targets, ", "), dec.RunID, e.PGID, pids),
					Holder: *e.By, Waited: time.Since(start)}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(min(lockPoll, time.Until(deadline))):
			}
		}
	}
	return nil
}

// carryOut applies the decided steps and verifies them, journaling each
// before it is acted on. j is nil without a state directory. A resumed
// rollback leaves alone the objects someone changed since it was decided.
func (r *Runner) carryOut(ctx context.Context, j *journal, d Driver, dec Decision, resumed bool, out *Outcome) error {
	req, steps := dec.Request, dec.Steps
	record := func(e Entry) error {
		if j == nil {
			return nil
		}
		return j.append(e)
	}
	fail := func(step int, err error) error {
		if j != nil {
			if jerr := record(Entry{Event: EventFailed, Step: step, Error: safetext.Text(err.Error(), 0)}); jerr != nil {
				err = errors.Join(err, jerr)
			}
			j.close()
		}
		return err // the caller says it failed, once
	}
	skip := func(i int, err error) error {
		out.Steps[i].Note = "left alone: " + err.Error()
		r.logf("%s: left alone: %v", steps[i].Object, err)
		return record(Entry{Event: EventSkipped, Step: i, Note: err.Error()})
	}
	if err := record(Entry{Event: EventStarted, Step: -1}); err != nil {
		return fail(-1, err)
	}
	skipped := make([]bool, len(steps))
	starter, together := d.(Starter)
	if together {
		for i, s := range steps {
			if err := record(Entry{Event: EventApplying, Step: i}); err != nil {
				return fail(i, err)
			}
			if err := starter.Start(ctx, req, s); err != nil {
				if resumed && errors.Is(err, ErrSuperseded) {
					skipped[i] = true
					if err := skip(i, err); err != nil {
						return fail(i, err)
					}
					continue
				}
				return fail(i, fmt.Errorf("%s: %w", s, err))
			}
		}
	}
	var output []string
	for i, s := range steps {
		if skipped[i] {
			continue
		}
		if !together {
			if err := record(Entry{Event: EventApplying, Step: i}); err != nil {
				return fail(i, err)
			}
		}
		spawned := withSpawnHook(ctx, func(pgid int) {
			by := me(dec.RunID)
			if err := record(Entry{Event: EventSpawned, Step: i, PGID: pgid, By: &by}); err != nil {
				r.logf("warning: %v", err)
			}
		})
		t := time.Now()
		res, err := d.Apply(spawned, req, s)
		res.Step, res.Duration = s, time.Since(t)
		out.Steps[i] = res
		if res.Output != "" {
			output = append(output, res.Output)
		} else if res.Note != "" {
			output = append(output, fmt.Sprintf("%s: %s (%s)", s.Object, res.Note, res.Duration.Round(time.Millisecond)))
		}
		out.Output = strings.Join(output, "\n")
		if err != nil {
			if resumed && errors.Is(err, ErrSuperseded) {
				skipped[i] = true
				if err := skip(i, err); err != nil {
					return fail(i, err)
				}
				continue
			}
			if s.Action == ActionRun {
				out.ExitCode = res.ExitCode
			}
			return fail(i, err)
		}
		r.logf("%s: %s", s.Object, res.Note)
		if err := record(Entry{Event: EventDone, Step: i, Note: res.Note}); err != nil {
			return fail(i, err)
		}
	}
	out.ExitCode = 0
	if err := record(Entry{Event: EventVerifying, Step: -1}); err != nil {
		return fail(-1, err)
	}
	var kept []Step
	for i, s := range steps {
		if !skipped[i] {
			kept = append(kept, s)
		}
	}
	verified, err := d.Verify(ctx, req, kept)
	if err != nil {
		return fail(-1, fmt.Errorf("verify: %w", err))
	}
	out.Verified = verified
	if verified != "" {
		r.logf("verified: %s", verified)
	}
	if r.Verify != nil {
		if err := r.Verify(ctx, req); err != nil {
			return fail(-1, fmt.Errorf("verify: %w", err))
		}
	}
	if err := record(Entry{Event: EventVerified, Step: -1, Note: verified}); err != nil {
		return fail(-1, err)
	}
	if j == nil {
		return nil
	}
	if err := writeSettled(r.StateDir, dec, verified); err != nil {
		return fail(-1, err)
	}
	if err := record(Entry{Event: EventFinished, Step: -1}); err != nil {
		return fail(-1, err)
	}
	out.Journal = ""
	return j.remove()
}

// fullConfig is the configuration of the runner's driver with what
// Driver.Config leaves out of journals (credentials); nil without one.
func (r *Runner) fullConfig() *Config {
	if r.planConfig != nil {
		return r.planConfig
	}
	if w, ok := r.Driver.(*Webhook); ok {
		cfg := w.fullConfig()
		return &cfg
	}
	return nil
}

// restoreSecrets gives a journaled config back the webhook URL credentials
// that Config left out, from full when it names the same receiver. Without
// them the rollback cannot be resumed: posting to the redacted URL would
// reach the wrong place, or no one.
func restoreSecrets(journaled Config, full *Config) (Config, error) {
	w := journaled.Webhook
	if w == nil {
		return journaled, nil
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.User == nil && u.RawQuery == "") {
		return journaled, nil
	}
	if full == nil || full.Webhook == nil || safetext.URL(full.Webhook.URL) != w.URL {
		return journaled, fmt.Errorf("the journal leaves the credentials of the webhook URL %s out: resume it with the plan that configures that URL (postflight rollback --resume -f PLAN)", w.URL)
	}
	restored := *w
	restored.URL = full.Webhook.URL
	journaled.Webhook = &restored
	return journaled, nil
}

func (r *Runner) lockTimeout() time.Duration {
	if r.LockTimeout > 0 {
		return r.LockTimeout
	}
	return DefaultLockTimeout
}

func (r *Runner) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
