package registry

import (
	"fmt"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// Kind is the check kind of an integrity result.
const Kind = "registry-integrity"

// Integrity is what Verify found of one image reference.
type Integrity struct {
	Reference string `json:"reference"`
	// Digest is the digest of the reference's manifest (the index, for a
	// multi-platform image), when it was fetched.
	Digest string `json:"digest,omitempty"`
	// Platforms are the platforms asked for; none means all.
	Platforms []string `json:"platforms,omitempty"`
	// Absent are the platforms asked for that the index does not have.
	Absent []string `json:"absent_platforms,omitempty"`
	// Manifests are the manifests fetched, the reference's first.
	Manifests []Manifest `json:"manifests"`
	// Blobs are the config and layer blobs they name, each once.
	Blobs []Blob `json:"blobs"`
	// Received is the number of blob bytes that came back.
	Received int64         `json:"received"`
	Duration time.Duration `json:"duration_ns"`

	Status slo.Status `json:"status"`
	// Cause says why the result is inconclusive.
	Cause    Cause  `json:"cause,omitempty"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Reason   string `json:"reason"`

	// fault is why nothing could be fetched at all.
	fault *Error
}

// Bad returns the blobs that are missing, truncated or corrupt.
func (in *Integrity) Bad() []Blob { return badOnes(in.Blobs) }

// Result is the check result; Name and Phase are the caller's to set.
func (in *Integrity) Result() result.Result {
	return result.Result{
		Kind: Kind, Target: in.Reference, Status: in.Status,
		Expected: in.Expected, Observed: in.Observed, Reason: in.Reason,
		Attempts: 1, Duration: in.Duration,
	}
}

// conclude decides the status and writes expected, observed and reason.
func (in *Integrity) conclude() {
	in.Expected = "every manifest and blob of " + in.Reference + " served whole, matching its digest"
	if len(in.Platforms) > 0 {
		in.Expected += " (platforms " + strings.Join(in.Platforms, ", ") + ")"
	}
	if in.fault != nil {
		in.Cause = in.fault.Cause
		if in.Cause == CauseNotFound {
			in.Cause = CauseRegistry
		}
		in.Observed = "nothing fetched"
		in.judged(slo.NotMeasured(fmt.Sprintf("could not verify (%s): %s", in.Cause, in.fault.Error())).Judge())
		return
	}

	// Every manifest and blob is a finding: served whole (or skipped, a
	// foreign layer), served broken, or not verified.
	var findings []slo.Finding
	var firstCause Cause
	byState := map[State][]string{}
	note := func(state State, what, digest, detail string, cause Cause) {
		line := fmt.Sprintf("%s %s %s: %s", what, digest, state, detail)
		switch {
		case state.Bad():
			findings = append(findings, slo.Missed(line))
			byState[state] = append(byState[state], digest)
		case state == Unverified:
			findings = append(findings, slo.NotMeasured(line))
			if firstCause == "" {
				firstCause = cause
			}
		default:
			findings = append(findings, slo.Met(line))
		}
	}
	for _, m := range in.Manifests {
		digest := m.Digest
		if digest == "" {
			digest = in.Reference
		}
		note(m.State, "manifest", digest, m.Detail, m.Cause)
	}
	for _, b := range in.Blobs {
		note(b.State, b.Kind, b.Digest, b.Detail, b.Cause)
	}
	for _, p := range in.Absent {
		findings = append(findings, slo.Missed("platform "+p+" absent: the index has no manifest for it"))
		byState["absent"] = append(byState["absent"], p)
	}

	var intact, skipped int
	for _, b := range in.Blobs {
		switch b.State {
		case Intact:
			intact++
		case Skipped:
			skipped++
		}
	}
	in.Observed = fmt.Sprintf("%d manifest(s); %d of %d blob(s) intact (%s received)",
		len(in.Manifests), intact, len(in.Blobs), units.HumanSize(float64(in.Received)))
	if skipped > 0 {
		in.Observed += fmt.Sprintf(", %d foreign layer(s) skipped", skipped)
	}
	for _, st := range []State{Missing, Truncated, Corrupt, "absent"} {
		if len(byState[st]) > 0 {
			in.Observed += fmt.Sprintf("; %s: %s", st, strings.Join(byState[st], ", "))
		}
	}
	j := slo.Judge(findings, slo.Wording{
		Missed: func(j slo.Judgement) string {
			why := "a pull of " + in.Reference + " fails: " + slo.Notes(j.Missed)
			if len(j.Unmeasured) > 0 {
				why += fmt.Sprintf(" (and %d not verified)", len(j.Unmeasured))
			}
			return why
		},
		Unmeasured: func(j slo.Judgement) string {
			why := fmt.Sprintf("could not verify (%s): %s", firstCause, j.Unmeasured[0].Note)
			if len(j.Unmeasured) > 1 {
				why += fmt.Sprintf(" (and %d more)", len(j.Unmeasured)-1)
			}
			return why
		},
		Held:    func(slo.Judgement) string { return "the registry serves the whole image" },
		Nothing: "could not verify: the registry listed no manifest",
	})
	if len(j.Missed) == 0 && len(j.Unmeasured) > 0 {
		in.Cause = firstCause
		in.Observed += fmt.Sprintf("; %d not verified", len(j.Unmeasured))
	}
	in.judged(j)
}

// judged records the judgement of what was found.
func (in *Integrity) judged(j slo.Judgement) { in.Status, in.Reason = j.Status, j.Reason }
