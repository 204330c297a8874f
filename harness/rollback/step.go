package rollback

import (
	"strings"

	"github.com/postflight/postflight/harness/rollback/change"
)

// The plain data of a rollback, kept in package change so that reports need
// none of the drivers.
type (
	Step   = change.Step
	Action = change.Action
	Result = change.Result
)

// Actions.
const (
	ActionNone         = change.ActionNone
	ActionPreviousSpec = change.ActionPreviousSpec
	ActionImage        = change.ActionImage
	ActionRecreate     = change.ActionRecreate
	ActionPost         = change.ActionPost
	ActionRun          = change.ActionRun
)

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
