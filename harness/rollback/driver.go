// Package rollback puts the old version back when the new one falls short.
// A Driver does the work for one kind of target (a command now; Swarm
// services, Docker containers and webhooks later); the harness then verifies
// the old version with the plan's verify checks.
package rollback

import (
	"context"
	"fmt"
	"time"

	"github.com/postflight/postflight/harness/plan"
)

// Request is what a rollback is asked to do, and why.
type Request struct {
	RunID    string
	PlanPath string
	// OldImage is the version to go back to; NewImage the one that fell short.
	OldImage string
	NewImage string
	// Services are the services under test.
	Services []string
	// Reason is the verdict's reason, e.g. "1 of 3 checks failed: kv".
	Reason string
}

// Outcome is what a driver did (or, in a dry run, would do).
type Outcome struct {
	Driver string `json:"driver"`
	// Action describes the action, e.g. the command line.
	Action   string        `json:"action"`
	DryRun   bool          `json:"dry_run"`
	Output   string        `json:"output,omitempty"`
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"duration_ns"`
}

// Driver rolls one kind of target back.
type Driver interface {
	// Name is the plan's driver name.
	Name() string
	// Describe says what RollBack would do for req, without doing it.
	Describe(req Request) string
	// RollBack puts req.OldImage back. The outcome is filled in as far as
	// the driver got, also when it returns an error.
	RollBack(ctx context.Context, req Request) (Outcome, error)
}

// FromPlan returns the driver a plan configures; nil when it configures none.
func FromPlan(p *plan.Plan) (Driver, error) {
	r := p.Rollback
	switch r.Driver {
	case "":
		return nil, nil
	case "command":
		return &Command{Argv: r.Command, Dir: p.Dir(), Timeout: r.Timeout.Or(plan.DefaultRollbackLimit)}, nil
	default:
		return nil, fmt.Errorf("unknown rollback driver %q", r.Driver)
	}
}
