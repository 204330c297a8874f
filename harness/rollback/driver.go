// Package rollback puts the old version back when the new one falls short,
// and proves that it is back.
//
// A Driver does the work for one kind of target: Swarm services (Swarm),
// containers on one Docker host (Docker), an HTTP receiver (Webhook) or a
// command the user configured (Command). A driver first decides, changing
// nothing, the steps that put the old version back (Decide); then each step
// is applied (Apply), and applying a step that is already done only waits
// for it; then the driver checks the result (Verify): for Swarm, every task
// of every service runs the old image digest.
//
// A Runner carries a rollback out safely. It takes a lock per target in a
// state directory, so that two runs never fight over one target, and appends
// every step to a journal there, fsynced, before acting on it. A rollback
// interrupted by a crash is picked up by Resume, or by the next rollback of
// the same target, and converges; see Runner and Resume.
package rollback

import (
	"context"
	"errors"

	"github.com/postflight/postflight/harness/rollback/change"
)

// Request is what a rollback is asked to do, and why.
type Request struct {
	RunID    string `json:"run_id"`
	PlanPath string `json:"plan,omitempty"`
	// OldImage is the version to go back to; NewImage the one that fell
	// short. Drivers use them to tell what to roll back and to refuse to
	// roll back what postflight did not test; see each driver.
	OldImage string `json:"old_image,omitempty"`
	NewImage string `json:"new_image,omitempty"`
	// Services are the services under test. The Swarm and Docker drivers
	// roll these back when their config names none.
	Services []string `json:"services,omitempty"`
	// Reason is the verdict's reason, e.g. "1 of 3 checks failed: kv".
	Reason string `json:"reason,omitempty"`
	// Failing are the objectives (or checks) that fell short; see
	// FailuresFrom.
	Failing []Failure `json:"failing_objectives,omitempty"`
}

// Outcome is what a rollback did (or, in a dry run, would do).
type Outcome = change.Outcome

// Driver rolls one kind of target back. Every method but Apply changes
// nothing.
type Driver interface {
	// Name is the plan's driver name.
	Name() string
	// Config is the driver's configuration, written to the journal so that
	// another process can resume the rollback (New builds the driver
	// again). It holds no secret.
	Config() Config
	// Targets name what a rollback of req acts on, one lock each, e.g.
	// "swarm service shop_web".
	Targets(req Request) []string
	// Describe says what a rollback of req does, without looking at the
	// target.
	Describe(req Request) string
	// Decide looks at the target and returns the steps that put the old
	// version back. A request that cannot be carried out (a service that
	// does not exist, no previous spec, an unreachable daemon) is an error
	// here, before anything changed.
	Decide(ctx context.Context, req Request) ([]Step, error)
	// Apply carries one step out and waits until it took effect. It is
	// idempotent: a step that is already done is only waited for. When the
	// object runs neither the step's From nor its To, someone changed it
	// since the step was decided: Apply changes nothing and returns an
	// error that wraps ErrSuperseded.
	Apply(ctx context.Context, req Request, step Step) (Result, error)
	// Verify confirms that what the steps put back runs, and says what it
	// confirmed.
	Verify(ctx context.Context, req Request, steps []Step) (string, error)
}

// Starter is implemented by drivers whose steps go together: the Runner
// starts every step (journaled one by one) before it waits for any with
// Apply. The Swarm driver rolls a stack's services back together this way.
// Start is idempotent, as Apply is.
type Starter interface {
	Start(ctx context.Context, req Request, step Step) error
}

// ErrSuperseded says an object was changed by someone else since its step
// was decided. A resumed rollback leaves such an object alone.
var ErrSuperseded = errors.New("changed since the rollback was decided")
