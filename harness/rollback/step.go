package rollback

import (
	"fmt"
	"strings"
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

func results(steps []Step) []Result {
	out := make([]Result, len(steps))
	for i, s := range steps {
		out[i] = Result{Step: s}
	}
	return out
}

// summarize says what the steps do in a phrase that reads after the
// driver's name: "shop_web, shop_api back to app:1.0.0 (previous spec)".
func summarize(steps []Step) string {
	type group struct {
		action Action
		to     string
	}
	var order []group
	objects := map[group][]string{}
	for _, s := range steps {
		g := group{s.Action, s.To}
		if _, ok := objects[g]; !ok {
			order = append(order, g)
		}
		objects[g] = append(objects[g], s.Object)
	}
	var parts []string
	for _, g := range order {
		objs := strings.Join(objects[g], ", ")
		switch g.action {
		case ActionRun:
			parts = append(parts, objs)
		case ActionPost:
			parts = append(parts, "POST to "+objs)
		case ActionNone:
			parts = append(parts, objs+" already on "+g.to)
		case ActionPreviousSpec:
			parts = append(parts, objs+" back to "+g.to+" (previous spec)")
		case ActionImage:
			parts = append(parts, objs+" set to "+g.to)
		case ActionRecreate:
			parts = append(parts, objs+" recreated with "+g.to)
		default:
			parts = append(parts, string(g.action)+" "+objs)
		}
	}
	return strings.Join(parts, "; ")
}
