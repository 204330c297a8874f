package slo

import (
	"fmt"
	"strings"
)

// Verdict is the outcome of a run's checks, before any rollback.
type Verdict struct {
	Status Status `json:"status"`
	// Reason says in one line why: which checks failed or could not measure.
	Reason string `json:"reason"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	// Inconclusive counts checks that could not measure.
	Inconclusive int `json:"inconclusive"`
}

// Outcome is what Decide needs of one check.
type Outcome struct {
	Name   string
	Status Status
	// Reason, for a failed check, is quoted in the verdict's reason.
	Reason string
}

// Decide folds check outcomes into a verdict. A run with no outcome at all
// is inconclusive: nothing was measured, so nothing passed.
func Decide(outcomes []Outcome) Verdict {
	var v Verdict
	var failed, unsure []string
	for _, o := range outcomes {
		switch o.Status {
		case Pass:
			v.Passed++
		case Fail:
			v.Failed++
			if o.Reason != "" {
				failed = append(failed, fmt.Sprintf("%s (%s)", o.Name, o.Reason))
			} else {
				failed = append(failed, o.Name)
			}
		default:
			v.Inconclusive++
			unsure = append(unsure, o.Name)
		}
	}
	switch {
	case len(outcomes) == 0:
		v.Status, v.Reason = Inconclusive, "no check ran"
	case v.Failed > 0:
		v.Status = Fail
		v.Reason = fmt.Sprintf("%d of %d checks failed: %s", v.Failed, len(outcomes), strings.Join(failed, ", "))
		if v.Inconclusive > 0 {
			v.Reason += fmt.Sprintf("; %d inconclusive: %s", v.Inconclusive, strings.Join(unsure, ", "))
		}
	case v.Inconclusive > 0:
		v.Status = Inconclusive
		v.Reason = fmt.Sprintf("%d of %d checks could not measure: %s", v.Inconclusive, len(outcomes), strings.Join(unsure, ", "))
	default:
		v.Status, v.Reason = Pass, fmt.Sprintf("all %d checks passed", v.Passed)
	}
	return v
}

// RollbackPolicy says what an inconclusive verdict does.
type RollbackPolicy struct {
	// OnInconclusive rolls back an inconclusive verdict too, when true.
	OnInconclusive bool
}

// ShouldRollBack reports whether the verdict calls for a rollback under p.
// A failed verdict always does; a pass never does.
func (p RollbackPolicy) ShouldRollBack(v Verdict) bool {
	switch v.Status {
	case Fail:
		return true
	case Inconclusive:
		return p.OnInconclusive
	default:
		return false
	}
}
