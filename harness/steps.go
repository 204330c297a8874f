package harness

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/postflight/postflight/harness/report"
)

// A step is one named part of a run. `postflight run`, `rollback`,
// `rollback --resume` and `check images` are lists of steps (see
// runSteps and the others); what every step gets — its log line, its
// timing, its record in the report, the stack's removal however the list
// ends — is done here, once.
type step struct {
	name string
	// run does the step. It returns what it did in a few words, or why it
	// did nothing ("" for done). An error is a problem of the invocation,
	// found before anything started: the list stops and returns it.
	run func(r *run, ctx context.Context) (string, error)
}

// do runs steps in order and returns the report; an error (of the
// invocation) stops the list and is returned instead. The stack comes down whatever
// happens.
func (r *run) do(ctx context.Context, steps []step) (*report.Report, error) {
	defer func() {
		if r.st != nil {
			r.down(ctx, r.st)
		}
	}()
	for _, s := range steps {
		started := time.Now()
		note, err := s.run(r, ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.plan.Path, err)
		}
		r.rep.Steps = append(r.rep.Steps, report.Step{Name: s.name, Started: started,
			Duration: time.Since(started), Outcome: cmp.Or(note, "done")})
	}
	return r.rep, nil
}
