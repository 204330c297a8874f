package provenance

import (
	"context"
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Kind is the check kind of a service's provenance result.
const Kind = "provenance"

// Service says which image a service runs, on each of its containers or
// tasks, and which it should run.
type Service struct {
	Name string `json:"name"`
	// Orchestrator is "compose" or "swarm".
	Orchestrator string `json:"orchestrator"`
	// Image is the reference the service was deployed with.
	Image string `json:"image"`
	// MutableTag says why Image can move under the service ("tag latest"),
	// "" when it cannot (a version tag, or pinned by digest).
	MutableTag string `json:"mutable_tag,omitempty"`
	// Intended is the image it should run; nil when it could not be told.
	Intended  *Intended  `json:"intended,omitempty"`
	Instances []Instance `json:"instances"`

	Status slo.Status `json:"status"`
	// Cause says why the result is inconclusive, for a registry that
	// could not be asked.
	Cause    registry.Cause `json:"cause,omitempty"`
	Expected string         `json:"expected"`
	Observed string         `json:"observed"`
	Reason   string         `json:"reason"`
}

// Result is the check result; Name and Phase are the caller's to set.
func (s *Service) Result() result.Result {
	return result.Result{
		Kind: Kind, Target: s.Orchestrator + " service " + s.Name, Status: s.Status,
		Expected: s.Expected, Observed: s.Observed, Reason: s.Reason, Attempts: 1,
	}
}

// judge resolves the intended image and compares every instance with it.
func (c *Checker) judge(ctx context.Context, s *Service) {
	s.MutableTag = mutableTag(s.Image, c.mutable)
	var runs []string
	for _, i := range s.Instances {
		runs = append(runs, i.Name+" runs "+i.runs())
	}
	s.Observed = strings.Join(runs, "; ")
	if len(s.Instances) == 0 {
		s.Observed = "nothing running"
	}
	deployed := "deployed as " + s.Image
	if s.MutableTag != "" {
		deployed += ", a mutable reference (" + s.MutableTag + ")"
	}

	in, err := c.intend(ctx, s.Name, s.Image)
	if err != nil {
		// What should run is unknown (registry unreachable, image or
		// versions absent from it): the runs cannot be judged.
		s.Cause = registry.CauseOf(err)
		s.Expected = "the intended image (could not be resolved)"
		s.judged(slo.NotMeasured(fmt.Sprintf("could not tell what %s should run: %v; %s", s.Name, err, deployed)).Judge())
		return
	}
	s.Intended = in
	s.Expected = fmt.Sprintf("every %s runs %s, image %s; %s", unit(s.Orchestrator), in.Reference, in.describe(), in.How)
	if len(s.Instances) == 0 {
		s.judged(slo.Missed(fmt.Sprintf("%s has no running %s; %s", s.Name, unit(s.Orchestrator), deployed)).Judge())
		return
	}
	findings := make([]slo.Finding, 0, len(s.Instances))
	for i := range s.Instances {
		inst := &s.Instances[i]
		f := inst.judge(in)
		// Named in the service's reason: "web.2 runs ...", "web.3: the task is ...".
		if f.Cause != nil {
			f.Note = inst.Name + ": " + f.Note
		} else {
			f.Note = inst.Name + " " + f.Note
		}
		findings = append(findings, f)
	}
	s.judged(slo.Judge(findings, slo.Wording{
		Missed: func(j slo.Judgement) string {
			return fmt.Sprintf("%d of %d %s(s) run an image other than %s: %s; %s",
				len(j.Missed), len(s.Instances), unit(s.Orchestrator), in.Reference, slo.Notes(j.Missed), deployed)
		},
		Unmeasured: func(j slo.Judgement) string {
			return fmt.Sprintf("could not tell what %d of %d %s(s) run: %s", len(j.Unmeasured), len(s.Instances), unit(s.Orchestrator), slo.Notes(j.Unmeasured))
		},
		Held: func(slo.Judgement) string {
			return fmt.Sprintf("every %s runs %s; %s", unit(s.Orchestrator), in, deployed)
		},
	}))
}

// judged records the service's judgement.
func (s *Service) judged(j slo.Judgement) { s.Status, s.Reason = j.Status, j.Reason }

// unit is what a service's instances are called.
func unit(orchestrator string) string {
	if orchestrator == "swarm" {
		return "task"
	}
	return "container"
}

// describe lists the intended image IDs: "sha256:0123456789ab" or, for
// several platforms, "linux/amd64 sha256:..., linux/arm64 sha256:...".
func (in *Intended) describe() string {
	if len(in.Images) == 1 {
		return short(in.Images[0].Config)
	}
	parts := make([]string, 0, len(in.Images))
	for _, img := range in.Images {
		parts = append(parts, img.Platform+" "+short(img.Config))
	}
	return strings.Join(parts, ", ")
}
