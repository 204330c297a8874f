package compare

import (
	"fmt"

	"github.com/postflight/postflight/slo"
)

// Verdict is the outcome of a comparison, or of one of its aspects, ordered
// by severity: a comparison is as bad as its worst aspect.
type Verdict int

const (
	// NotWorse: measured, and the canary is within the tolerance.
	NotWorse Verdict = iota
	// Inconclusive: too few samples, or an effect beyond the tolerance that
	// is not significant. Never a pass.
	Inconclusive
	// Worse: significant and beyond the tolerance.
	Worse
)

var verdictNames = [...]string{NotWorse: "not worse", Inconclusive: "inconclusive", Worse: "worse"}

func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// MarshalText writes the verdict by name in JSON and XML.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Status is the check status the verdict stands for: worse fails, not worse
// passes.
func (v Verdict) Status() slo.Status {
	switch v {
	case NotWorse:
		return slo.Pass
	case Worse:
		return slo.Fail
	default:
		return slo.Inconclusive
	}
}

// judge is the verdict of one measured aspect: worse when significant and
// beyond the tolerance, inconclusive when only beyond it.
func judge(significant, beyond bool) Verdict {
	switch {
	case !beyond:
		return NotWorse
	case significant:
		return Worse
	default:
		return Inconclusive
	}
}
