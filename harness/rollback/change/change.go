// Package change holds what a rollback changes and what it did — its
// steps, each step's result and the rollback's outcome — as plain data:
// journaled by the rollback package, read back to resume, and reported.
// It imports nothing of postflight, so reports need none of the drivers.
package change

import (
	"fmt"
	"time"
)

// Step is one change a rollback makes, decided before any change is made
// and written to the journal. Steps are plain data, so that a rollback can
// be resumed from its journal by another process.
type Step struct {
	// Object is what the step changes: a Swarm service, a container, a
	// webhook URL, a command line.
	Object string `json:"object"`
	Action Action `json:"action"`
	// From is the image running when the step was decided; To the image the
	// step puts back.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// ImageID is To's image ID on this host when the step was decided
	// (sha256:...); verification holds the running version to it.
	ImageID string `json:"image_id,omitempty"`
}

// Action is what a step does.
type Action string

// Actions.
const (
	// ActionNone: the object already runs the version to go back to; the
	// step only waits for it to be up.
	ActionNone Action = "none"
	// ActionPreviousSpec: a Swarm service goes back to its previous spec.
	ActionPreviousSpec Action = "previous-spec"
	// ActionImage: a Swarm service's image is set to an explicit image.
	ActionImage Action = "image"
	// ActionRecreate: a container is recreated with the old image and
	// otherwise the same configuration.
	ActionRecreate Action = "recreate"
	// ActionPost: the rollback is posted to a webhook.
	ActionPost Action = "post"
	// ActionRun: a command runs.
	ActionRun Action = "run"
)

// String says what the step does, in a sentence.
func (s Step) String() string {
	switch s.Action {
	case ActionNone:
		return fmt.Sprintf("%s already runs %s", s.Object, s.To)
	case ActionPreviousSpec:
		return fmt.Sprintf("roll %s back to its previous spec (%s -> %s)", s.Object, s.From, s.To)
	case ActionImage:
		return fmt.Sprintf("set the image of %s to %s (from %s)", s.Object, s.To, s.From)
	case ActionRecreate:
		return fmt.Sprintf("recreate %s with %s (from %s)", s.Object, s.To, s.From)
	case ActionPost:
		return "POST the rollback to " + s.Object
	case ActionRun:
		return "run " + s.Object
	}
	return fmt.Sprintf("%s %s", s.Action, s.Object)
}

// Result is what applying one step did.
type Result struct {
	Step Step `json:"step"`
	// Note says what happened, e.g. "rolled back, 2/2 tasks running".
	Note string `json:"note,omitempty"`
	// Output and ExitCode are a command's.
	Output   string        `json:"output,omitempty"`
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"duration_ns"`
}

// Outcome is what a rollback did (or, in a dry run, would do).
type Outcome struct {
	Driver string `json:"driver"`
	// Action says what was done, in a phrase that reads after the driver's
	// name: "sh -c ./rollback.sh", "shop_web back to app:1.0.0 (previous
	// spec)".
	Action string `json:"action"`
	DryRun bool   `json:"dry_run"`
	Output string `json:"output,omitempty"`
	// ExitCode is the command's exit status for the command driver; for
	// the others 0 once every step was applied, -1 otherwise.
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"duration_ns"`
	// Steps are the steps decided and, once applied, what each did.
	Steps []Result `json:"steps,omitempty"`
	// Verified is what the driver's verification confirmed, e.g.
	// "shop_web: 2 running task(s) on app:1.0.0 (013c04cf5cfe) on node1, node2"; empty for
	// drivers that cannot tell (command, webhook).
	Verified string `json:"verified,omitempty"`
	// Resumed lists the run ids of interrupted rollbacks of the same
	// target that were converged first.
	Resumed []string `json:"resumed,omitempty"`
	// AlreadyBy is the run whose rollback of the same target, from the
	// same new version to the same old one, finished (or failed) while
	// this one waited for the lock: this one did not act, and its outcome
	// is that run's.
	AlreadyBy string `json:"already_by,omitempty"`
	// Journal is the journal file while the rollback is unfinished; it is
	// removed once the rollback finished.
	Journal string `json:"journal,omitempty"`
}
