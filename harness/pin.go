package harness

import (
	"context"
	"slices"
	"time"

	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/stack"
)

// pins are the image IDs the run's images had on this host when it
// started, by reference.
type pins map[string]string

// readsLocalImages says the plan looks at the run's images on this host:
// a replica starts them, a packages check reads them.
func readsLocalImages(p *plan.Plan) bool {
	return p.Stack.Replica != nil || slices.ContainsFunc(p.Checks, func(c plan.Check) bool { return c.Kind == plan.KindPackages })
}

// pin notes the image IDs of the run's images, when this host has them, so
// that a tag moved while the checks measured it is seen: the checks might
// have measured two images, neither of them the one the run was asked
// about.
func (r *run) pin(ctx context.Context) pins {
	if !readsLocalImages(r.plan) {
		return nil
	}
	return r.imageIDs(ctx)
}

func (r *run) imageIDs(ctx context.Context) pins {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cli, err := stack.NewDockerClient(ctx)
	if err != nil {
		return nil
	}
	defer cli.Close()
	ids := pins{}
	for _, ref := range []string{r.rep.NewImage, r.rep.OldImage} {
		if ref == "" {
			continue
		}
		if img, err := cli.ImageInspect(ctx, ref); err == nil {
			ids[ref] = img.ID
		}
	}
	return ids
}

// moved returns a result for each pinned image whose reference now names
// another image, or none; inconclusive: what was measured is not known.
func (r *run) moved(ctx context.Context, before pins) []result.Result {
	if len(before) == 0 {
		return nil
	}
	// Looked at also after an interrupt: an image that could not be
	// inspected then did not move. The look is local and bounded.
	now := r.imageIDs(context.WithoutCancel(ctx))
	var out []result.Result
	// Once for a tag that is both the new and the old image.
	for _, ref := range slices.Compact([]string{r.rep.NewImage, r.rep.OldImage}) {
		was, ok := before[ref]
		if !ok || now[ref] == was {
			continue
		}
		is := now[ref]
		if is == "" {
			is = "nothing (removed)"
		}
		res := result.Result{Name: "image " + ref + " moved", Kind: "image", Phase: engine.PhaseCheck, Target: ref, Attempts: 1,
			Expected: "the same image for the whole run: " + was, Observed: "now " + is}
		out = append(out, res.Unmeasuredf("%s moved during the run, from %s to %s: the checks may have measured different images", ref, was, is))
	}
	return out
}
