// Package imagecheck runs the checks that look at images, registries and
// the host rather than at a service's answers: provenance (what runs
// against what should), registry integrity (every blob fetched and
// verified) and host hygiene (orphans and held ports).
package imagecheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/postflight/postflight/harness/hygiene"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/provenance"
	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/slo"
)

// Env is what image checks need of the run.
type Env struct {
	// NewImage and OldImage stand for "new" and "old" in an integrity
	// check's images.
	NewImage, OldImage string
	// RunID owns the run's own containers, which hygiene leaves alone.
	RunID string
}

// Provenance runs a provenance check: what each container runs against
// what it should.
func Provenance(ctx context.Context, c plan.Check, phase string, env Env) result.Result {
	return folded(c, phase, func() ([]result.Result, error) { return runProvenance(ctx, c.Provenance) })
}

// Integrity runs an integrity check: every blob of the images fetched from
// their registry and verified.
func Integrity(ctx context.Context, c plan.Check, phase string, env Env) result.Result {
	return folded(c, phase, func() ([]result.Result, error) { return runIntegrity(ctx, c.Integrity, env), nil })
}

// Hygiene runs a hygiene check: orphans and held ports on the host.
func Hygiene(ctx context.Context, c plan.Check, phase string, env Env) result.Result {
	return folded(c, phase, func() ([]result.Result, error) { return runHygiene(ctx, c.Hygiene, env) })
}

// Packages runs a packages check: the package diff of the new image
// against the old one, held to the check's policy.
func Packages(ctx context.Context, c plan.Check, phase string, env Env) result.Result {
	return runPackages(ctx, c, phase, env)
}

// folded runs the parts of a check and folds them into its result.
func folded(c plan.Check, phase string, run func() ([]result.Result, error)) result.Result {
	start := time.Now()
	parts, err := run()
	res := fold(c.Name, c.Kind, phase, parts, err)
	res.Duration = time.Since(start)
	return res
}

func runProvenance(ctx context.Context, p *plan.ProvenanceSpec) ([]result.Result, error) {
	var out []result.Result
	if p.Compose != "" {
		scan, err := provenance.ScanTags(p.Compose, p.MutableTags...)
		if err != nil {
			return out, err
		}
		out = append(out, scan.Result())
	}
	if p.ComposeProject == "" && len(p.SwarmServices) == 0 {
		return out, nil
	}
	cli, err := stack.NewDockerClient(ctx)
	if err != nil {
		return out, err
	}
	defer cli.Close()
	rule := provenance.Rule{Prereleases: p.Prereleases, Constraint: p.Constraint}
	if p.Intended != plan.IntendedHighestSemver {
		rule = provenance.Rule{Image: p.Intended}
	}
	chk := provenance.New(cli, registry.New(), provenance.WithDefaultRule(rule), provenance.WithMutableTags(p.MutableTags...))
	var services []provenance.Service
	if p.ComposeProject != "" {
		svcs, err := chk.Compose(ctx, p.ComposeProject)
		if errors.Is(err, provenance.ErrNotFound) {
			out = append(out, result.Result{Kind: provenance.Kind, Target: "compose project " + p.ComposeProject,
				Expected: "the project's containers running", Observed: "nothing running"}.Found(slo.Missed("no container of compose project "+p.ComposeProject+" runs")))
		} else if err != nil {
			return out, err
		}
		services = append(services, svcs...)
	}
	if len(p.SwarmServices) > 0 {
		svcs, err := chk.Swarm(ctx, p.SwarmServices...)
		if err != nil {
			return out, err
		}
		services = append(services, svcs...)
	}
	drifts := map[string]bool{}
	for _, s := range services {
		out = append(out, s.Result())
		if drifts[s.Image] || s.Image == "" {
			continue
		}
		drifts[s.Image] = true
		d, err := chk.Drift(ctx, s.Image)
		if err != nil {
			return out, err
		}
		out = append(out, d.Result())
	}
	return out, nil
}

// runIntegrity verifies every image of the check at once, so that a
// registry that never answers costs the check one timeout, not one per
// image.
func runIntegrity(ctx context.Context, in *plan.IntegritySpec, env Env) []result.Result {
	timeout := in.Timeout.Or(plan.DefaultIntegrityTimeout)
	reg := registry.New(registry.WithTimeout(timeout))
	out := make([]result.Result, len(in.Images))
	var wg sync.WaitGroup
	for i, ref := range in.Images {
		wg.Go(func() { out[i] = verifyImage(ctx, reg, ref, in.Platforms, timeout, env) })
	}
	wg.Wait()
	return out
}

// verifyImage verifies one image of an integrity check: a reference, or
// "new" or "old" for the run's images.
func verifyImage(ctx context.Context, reg *registry.Client, ref string, platforms []string, timeout time.Duration, env Env) result.Result {
	img := ref
	switch ref {
	case "new":
		img = env.NewImage
	case "old":
		img = env.OldImage
	}
	if img == "" {
		return result.Result{Kind: registry.Kind, Target: ref, Observed: "no image"}.
			Found(slo.NotMeasured(fmt.Sprintf("could not verify: no %s image given (--%s or images.%s)", ref, ref, ref)))
	}
	got, err := reg.Verify(ctx, img, platforms...)
	if err != nil {
		return result.Result{Kind: registry.Kind, Target: img, Observed: "nothing fetched"}.
			Found(slo.NotMeasured("could not verify: " + err.Error()))
	}
	res := got.Result()
	if got.Cause == registry.CauseTimeout {
		res.Reason += fmt.Sprintf(" (integrity.timeout: %s per request)", timeout)
	}
	return res
}

func runHygiene(ctx context.Context, h *plan.HygieneSpec, env Env) ([]result.Result, error) {
	cli, err := stack.NewDockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	st := hygiene.Stack{Ports: h.Ports, Names: h.Names, Projects: h.ComposeProjects, Services: h.SwarmServices}
	if env.RunID != "" {
		st.Runs = []string{env.RunID}
	}
	rep, err := hygiene.Inspect(ctx, cli, st)
	if err != nil {
		return nil, err
	}
	return rep.Results(), nil
}

// fold makes one result of a check's parts, each judged already, and of
// the error that cut the check short, if any: as bad as its worst part,
// with every part's observation and the reasons of those that did not
// pass.
func fold(name, kind, phase string, parts []result.Result, err error) result.Result {
	res := result.Result{Name: name, Kind: kind, Phase: phase, Attempts: 1}
	var targets, expected, observed []string
	findings := make([]slo.Finding, 0, len(parts)+1)
	if err != nil {
		findings = append(findings, slo.NotMeasured(result.UnmeasuredPrefix+err.Error()))
	}
	for _, p := range parts {
		findings = append(findings, p.Finding(p.Target+": "+p.Reason))
		targets = append(targets, p.Target)
		expected = appendNew(expected, p.Expected)
		observed = append(observed, p.Target+": "+p.Observed)
	}
	res.Target = strings.Join(targets, ", ")
	res.Expected = strings.Join(expected, "; ")
	res.Observed = strings.Join(observed, "; ")
	if len(parts) == 0 {
		res.Observed = "nothing"
	}
	return res.Judge(findings, slo.Wording{
		Held:    func(j slo.Judgement) string { return fmt.Sprintf("all %d as intended", len(j.Held)) },
		Nothing: result.UnmeasuredPrefix + "nothing to look at",
	})
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
