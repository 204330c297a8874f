package report

import (
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/history"
)

// Regression is the run held against the history of its plan
// (policy.regression): each objective against the same objective of the
// last runs that passed.
type Regression struct {
	// History is the database compared with.
	History string       `json:"history"`
	Rule    history.Rule `json:"rule"`
	// OnRegression is what a regression does: "warn" or "fail".
	OnRegression string `json:"on_regression"`
	// Comparisons are every objective of every check of the run, in
	// order, each with its outcome: regression, steady, no baseline or
	// inconclusive.
	Comparisons []history.Comparison `json:"comparisons"`
	// Error says why the history could not be compared with; the
	// comparison then did not happen, and is no pass.
	Error string `json:"error,omitempty"`
}

// Fails says whether a regression fails the run (on_regression: fail).
func (g *Regression) Fails() bool { return g != nil && g.OnRegression == "fail" }

// With returns the comparisons whose outcome is o.
func (g *Regression) With(o history.Outcome) []history.Comparison {
	if g == nil {
		return nil
	}
	var out []history.Comparison
	for _, c := range g.Comparisons {
		if c.Outcome == o {
			out = append(out, c)
		}
	}
	return out
}

// Regressed says in one line which objectives regressed, by name: "1 of
// 5 objectives regressed against history: kv-under-load p50 latency".
// Their reasons are in the comparisons, and written once, where they are
// listed.
func (g *Regression) Regressed() string {
	reg := g.With(history.Regression)
	if len(reg) == 0 {
		return ""
	}
	names := make([]string, len(reg))
	for i, c := range reg {
		names[i] = c.Check + " " + c.Objective
	}
	return fmt.Sprintf("%d of %d objectives regressed against history: %s", len(reg), len(g.Comparisons), strings.Join(names, ", "))
}

// Ruled writes the rule in words: "the last 7 runs that passed, beyond
// 10% at p < 0.01, a regression warns".
func (g *Regression) Ruled() string {
	return fmt.Sprintf("the last %d runs that passed, beyond %s at p < %s; a regression %ss",
		g.Rule.Runs, strings.TrimSuffix(fmt.Sprintf("%.4g", g.Rule.Tolerance*100), ".")+"%", fmt.Sprintf("%g", g.Rule.Significance), g.OnRegression)
}
