// Package engine runs a plan's checks: one registration per check kind,
// and a phase that runs the checks of a plan in-process, in plan order where
// they talk to the stack under test and beside them where they do not,
// cancelled through ctx.
package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
)

// Phases of a run.
const (
	PhaseCheck  = "check"
	PhaseVerify = "verify"
)

// Env is what a check needs of the run besides the check itself.
type Env struct {
	// Phase is the phase the check runs in (PhaseCheck, PhaseVerify).
	Phase string
	// Endpoints resolves the stack's services; nil when there is no stack.
	// In a canary rollout they are the canary's.
	Endpoints result.Endpoints
	// Baseline, when set, resolves the same services of the version the
	// canary is compared with (the stable one of a rollout): a compare
	// check sends its load to a service through Endpoints and Baseline at
	// once. Nil outside a rollout.
	Baseline result.Endpoints
	// Progress receives one-line progress reports of long checks; nil
	// discards them.
	Progress result.Progress
	// NewImage and OldImage are the run's images; RunID owns its resources.
	NewImage, OldImage, RunID string
	// Prepared, in a phase, waits for what the kind's Prepare made of the
	// check and returns it; nil when the kind prepares nothing.
	Prepared func(ctx context.Context) any
}

// Checker is one kind of check: what a plan may say of it, and how it runs.
type Checker struct {
	// Kind is the kind as plans know it: its name, the fields it accepts,
	// its validation, defaults and help. A kind whose Images is set never
	// talks to the stack under test (it looks at images, registries or the
	// host): its checks start with the phase, beside the stack coming up
	// and the other checks.
	Kind plan.Kind
	// Run measures one check of this kind and returns its result, judged
	// by slo from what it found (result.Judge, result.Found: a measuring
	// package never sets a status itself). A check that could not measure
	// returns an inconclusive result (result.Unmeasured), never a pass.
	Run func(ctx context.Context, c plan.Check, env Env) result.Result
	// Prepare, when set, does what a check of the kind can do before the
	// stack is up (build a suite): a phase calls it at its start, beside
	// the stack coming up and the checks before, and Run gets its value
	// through Env.Prepared. The phase calls done, when set, at its end.
	Prepare func(ctx context.Context, c plan.Check) (value any, done func())
}

var (
	mu       sync.RWMutex
	checkers = map[string]Checker{}
)

// Register adds a kind of check: plans may name it from then on
// (plan.RegisterKind), and phases run it. The built-in kinds' plan side is
// registered by the plan package itself, which knows their fields; for
// them Register adds the run side alone. It panics on a nameless kind, a
// kind without Run, and a kind registered twice: all are programming
// errors.
func Register(c Checker) {
	name := c.Kind.Name
	if name == "" || c.Run == nil {
		panic("engine: Register needs a kind and its Run")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := checkers[name]; dup {
		panic(fmt.Sprintf("engine: check kind %q registered twice", name))
	}
	if _, builtin := plan.LookupKind(name); !builtin {
		plan.RegisterKind(c.Kind)
	}
	checkers[name] = c
}

// Lookup returns the checker of a kind.
func Lookup(kind string) (Checker, bool) {
	mu.RLock()
	defer mu.RUnlock()
	c, ok := checkers[kind]
	return c, ok
}

// Kinds lists the registered kinds, sorted.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(checkers))
	for k := range checkers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RunCheck runs one check of any registered kind. Its text is made safe
// before anything shows or passes it on: what a service answered may carry
// terminal escapes, credentials or megabytes.
//
// A check that panics could not measure: the run goes on, and takes its
// stack down, whatever one kind of check does.
func RunCheck(ctx context.Context, c plan.Check, env Env) (r result.Result) {
	kind := kindOf(c)
	ck, ok := Lookup(kind)
	if !ok {
		return result.Result{Name: c.Name, Kind: c.Kind, Phase: env.Phase}.Unmeasuredf("unknown check kind %q", c.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			r = result.Result{Name: c.Name, Kind: c.Kind, Phase: env.Phase}.Unmeasuredf("the %s check panicked: %v", kind, p).Safe()
		}
	}()
	r = ck.Run(ctx, c, env)
	r.Name, r.Kind, r.Phase = c.Name, c.Kind, env.Phase
	return r.Safe()
}
