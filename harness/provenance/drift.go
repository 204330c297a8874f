package provenance

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// KindDrift is the check kind of a drift result.
const KindDrift = "local-drift"

// Drift compares the image a tag names on this host with the one it names
// in the registry. They differ in the no-pull trap: a deploy that cannot
// pull (credentials not forwarded, registry down) runs the local one.
type Drift struct {
	Reference string `json:"reference"`
	// Local is the local image's ID, "" when the host has no such tag;
	// Platform is its "os/arch".
	Local    string `json:"local,omitempty"`
	Platform string `json:"platform,omitempty"`
	// Registry is the image ID the registry's tag gives for that platform,
	// and Digest the tag's manifest digest there.
	Registry string `json:"registry,omitempty"`
	Digest   string `json:"digest,omitempty"`

	Status   slo.Status     `json:"status"`
	Cause    registry.Cause `json:"cause,omitempty"`
	Expected string         `json:"expected"`
	Observed string         `json:"observed"`
	Reason   string         `json:"reason"`
}

// Result is the check result; Name and Phase are the caller's to set.
func (d *Drift) Result() result.Result {
	return result.Result{
		Kind: KindDrift, Target: d.Reference, Status: d.Status,
		Expected: d.Expected, Observed: d.Observed, Reason: d.Reason, Attempts: 1,
	}
}

// Drift checks whether this host's image for ref (a tag) is the registry's.
// The error is for a daemon that could not be asked.
func (c *Checker) Drift(ctx context.Context, ref string) (*Drift, error) {
	d := &Drift{Reference: ref, Expected: "the host's " + ref + " is the registry's " + ref}
	if parseReference(ref).Digest != "" {
		d.Observed = "pinned by digest"
		return d.judged(slo.Met("a digest names one image everywhere")), nil
	}
	img, err := c.docker.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		d.Observed = "not on this host"
		return d.judged(slo.Met("the host has no " + ref + ", so a deploy has to pull it")), nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect local image %s: %w", ref, err)
	}
	d.Local, d.Platform = img.ID, platform(img.Os, img.Architecture, img.Variant)
	d.Observed = fmt.Sprintf("the host's %s is %s", ref, short(d.Local))

	res, err := c.reg.Resolve(ctx, ref)
	switch {
	case registry.CauseOf(err) == registry.CauseNotFound:
		d.Observed += "; the registry has no " + ref
		return d.judged(slo.Missed(fmt.Sprintf("the registry has no %s, so the host's %s (%s) is not the registry's: a deploy runs a local image", ref, ref, short(d.Local)))), nil
	case err != nil:
		d.Cause = registry.CauseOf(err)
		return d.judged(slo.NotMeasured(fmt.Sprintf("could not ask the registry for %s: %v", ref, err))), nil
	}
	d.Digest = res.Digest
	want, ok := res.For(d.Platform)
	if !ok {
		d.Observed += fmt.Sprintf("; the registry's %s (%s) has no %s image", ref, short(res.Digest), d.Platform)
		return d.judged(slo.Missed(fmt.Sprintf("the registry's %s has no image for %s, the host's platform; the host runs a local one", ref, d.Platform))), nil
	}
	d.Registry = want.Config
	d.Observed += fmt.Sprintf("; the registry's is %s (manifest %s)", short(d.Registry), short(d.Digest))
	if sameImage(d.Local, want, res.Digest) {
		return d.judged(slo.Met("the host has the registry's " + ref)), nil
	}
	why := fmt.Sprintf("the host's %s (%s) is not the registry's (%s): a deploy that does not pull (Swarm when it cannot reach the registry) runs the host's",
		ref, short(d.Local), short(d.Registry))
	if tags := otherTags(img.RepoTags, ref); len(tags) > 0 {
		why += "; the host's is also tagged " + strings.Join(tags, ", ")
	}
	return d.judged(slo.Missed(why)), nil
}

// judged records the judgement of the one finding, and returns d.
func (d *Drift) judged(f slo.Finding) *Drift {
	j := f.Judge()
	d.Status, d.Reason = j.Status, j.Reason
	return d
}

// otherTags are the tags besides ref.
func otherTags(tags []string, ref string) []string {
	var out []string
	for _, t := range tags {
		if t != ref {
			out = append(out, t)
		}
	}
	return out
}
