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
		in.Status, in.Cause = slo.Inconclusive, in.fault.Cause
		if in.Cause == CauseNotFound {
			in.Cause = CauseRegistry
		}
		in.Observed = "nothing fetched"
		in.Reason = fmt.Sprintf("could not verify (%s): %s", in.Cause, in.fault.Error())
		return
	}

	var bad, unverified []string
	var firstCause Cause
	byState := map[State][]string{}
	note := func(state State, what, digest, detail string, cause Cause) {
		line := fmt.Sprintf("%s %s %s: %s", what, digest, state, detail)
		switch {
		case state.Bad():
			bad = append(bad, line)
			byState[state] = append(byState[state], digest)
		case state == Unverified:
			unverified = append(unverified, line)
			if firstCause == "" {
				firstCause = cause
			}
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
		bad = append(bad, "platform "+p+" absent: the index has no manifest for it")
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
	switch {
	case len(bad) > 0:
		in.Status = slo.Fail
		in.Reason = "a pull of " + in.Reference + " fails: " + strings.Join(bad, "; ")
		if len(unverified) > 0 {
			in.Reason += fmt.Sprintf(" (and %d not verified)", len(unverified))
		}
	case len(unverified) > 0:
		in.Status, in.Cause = slo.Inconclusive, firstCause
		in.Observed += fmt.Sprintf("; %d not verified", len(unverified))
		in.Reason = fmt.Sprintf("could not verify (%s): %s", firstCause, unverified[0])
		if len(unverified) > 1 {
			in.Reason += fmt.Sprintf(" (and %d more)", len(unverified)-1)
		}
	default:
		in.Status = slo.Pass
		in.Reason = "the registry serves the whole image"
	}
}
