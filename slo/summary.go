package slo

import (
	"fmt"
	"strings"
)

// Summarize folds a check's evaluations into one status and a one-line
// reason: Fail if any objective failed, else Inconclusive if any could not
// be judged, else Pass. No evaluations at all is Inconclusive: nothing was
// judged, so nothing passed. The reason joins the reasons of the failed
// objectives, then of the inconclusive ones, with "; ".
func Summarize(evals []Evaluation) (Status, string) {
	if len(evals) == 0 {
		return Inconclusive, "no objectives to judge"
	}
	var failed, unsure []string
	for _, e := range evals {
		switch e.Status {
		case Pass:
		case Fail:
			failed = append(failed, e.Reason)
		default:
			unsure = append(unsure, e.Reason)
		}
	}
	switch {
	case len(failed) > 0:
		return Fail, strings.Join(append(failed, unsure...), "; ")
	case len(unsure) > 0:
		return Inconclusive, strings.Join(unsure, "; ")
	case len(evals) == 1:
		return Pass, "1 objective within budget"
	}
	return Pass, fmt.Sprintf("all %d objectives within budget", len(evals))
}
