package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// Probability is a number strictly between 0 and 1, written as a decimal
// ("0.01"): the significance of a statistical test.
type Probability float64

// UnmarshalText reads a decimal strictly between 0 and 1.
func (p *Probability) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xXpPnNiI_") {
		return fmt.Errorf("expected a probability such as 0.01 or 0.05, got %q", b)
	}
	if !(v > 0 && v < 1) {
		return fmt.Errorf("expected a probability between 0 and 1 (exclusive) such as 0.01, got %s", s)
	}
	*p = Probability(v)
	return nil
}

// String writes the probability as a plan does.
func (p Probability) String() string { return strconv.FormatFloat(float64(p), 'g', -1, 64) }
