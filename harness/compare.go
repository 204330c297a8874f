package harness

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/check"
	"github.com/postflight/postflight/harness/plan"
)

// PhaseCompare is the phase of a comparison run on its own.
const PhaseCompare = "compare"

// Compare runs one compare check on its own, as `postflight compare`
// does: no plan, no stack, the check's two URLs. progress, when set, gets
// the load's progress as a run shows it: in place on a terminal, a plain
// line every few seconds elsewhere. The result's text is made safe to show.
func Compare(ctx context.Context, c plan.Check, progress io.Writer) check.Comparison {
	if progress == nil {
		progress = io.Discard
	}
	r := &run{opts: Options{Progress: progress}, start: time.Now(), tty: isTerminal(progress)}
	r.logf("compare: %s at %s a side for %s (%s of warm-up): baseline %s vs canary %s", strings.TrimSpace(c.Compare.Method+" "+c.Compare.Path),
		c.Compare.Rate, c.Compare.Duration.Duration, c.Compare.Warmup.Duration, c.Compare.BaselineURL, c.Compare.CanaryURL)
	out := check.Compare(ctx, c, PhaseCompare, nil, nil, r.progress)
	r.logf("compare: %s", out.Result.Status)
	out.Result = out.Result.Safe()
	return out
}
