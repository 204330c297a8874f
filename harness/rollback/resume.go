package rollback

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ResumeOptions are Resume's settings; zero values are fine.
type ResumeOptions struct {
	// LockTimeout bounds the wait for a target that a live rollback holds;
	// DefaultLockTimeout when zero.
	LockTimeout time.Duration
	// Verify runs after each resumed rollback's own verification, as
	// Runner.Verify does.
	Verify func(ctx context.Context, req Request) error
	// Logf receives a line per step; nil discards them.
	Logf func(format string, args ...any)
	// Config is the plan's driver configuration (ConfigFromPlan): it
	// gives a journal back what Driver.Config left out of it, a webhook
	// URL's credentials, when it names the same receiver.
	Config *Config
	// Plan, when set, limits Resume to the rollbacks of that plan file
	// (see PendingOf); the journals of other plans are left alone.
	Plan string
}

// Resume converges every unfinished rollback journaled in stateDir (of
// opts.Plan only, when set), oldest first, and returns what each did. Each is carried on from its journal
// alone, by the driver its journal names, under the locks of its targets:
// steps already done are only waited for (drivers are idempotent), objects
// that someone changed since the rollback was decided are left alone (their
// steps are journaled as skipped), then the result is verified. Resuming
// twice does no harm: a converged rollback's journal is gone. A rollback
// that fails again keeps its journal, and the error is returned with the
// others.
func Resume(ctx context.Context, stateDir string, opts ResumeOptions) ([]Outcome, error) {
	r := &Runner{StateDir: stateDir, LockTimeout: opts.LockTimeout, Verify: opts.Verify, Logf: opts.Logf, planConfig: opts.Config}
	if err := removeFinished(stateDir); err != nil {
		return nil, err
	}
	pending, err := PendingOf(stateDir, opts.Plan)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("read rollback journals in %s: %w", stateDir, err))
	}
	var outs []Outcome
	for _, u := range pending {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		r.logf("resuming the interrupted %s", u)
		lk, err := acquireLocks(ctx, stateDir, u.Decision.Targets, me(u.Decision.RunID), r.lockTimeout())
		if err != nil {
			errs = append(errs, fmt.Errorf("resume rollback %s: %w", u.Decision.RunID, err))
			continue
		}
		out, err := r.resume(ctx, u.Path)
		lk.release()
		if errors.Is(err, errJournalGone) {
			continue // another process finished it while we waited for the lock
		}
		outs = append(outs, out)
		if err != nil {
			errs = append(errs, fmt.Errorf("resume rollback %s: %w", u.Decision.RunID, err))
		}
	}
	return outs, errors.Join(errs...)
}
