package history

import "fmt"

// Outcome is what a comparison with history found.
type Outcome int

const (
	// NoBaseline: too few comparable earlier runs. Never a pass.
	NoBaseline Outcome = iota
	// Steady: within the tolerance, or a change that is not significant.
	Steady
	// Regression: worse beyond the tolerance, and significant.
	Regression
	// Inconclusive: a change that could not be tested, or nothing measured.
	Inconclusive
)

var outcomeNames = [...]string{NoBaseline: "no baseline", Steady: "steady", Regression: "regression", Inconclusive: "inconclusive"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText writes the outcome by name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an outcome by name.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if n == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("unknown regression outcome %q", b)
}
