package slo

import (
	"fmt"
	"strings"
)

// Ratio is a fraction between 0 and 1, written as a percentage: "99.9%" is
// 0.999 and "0.1%" is 0.001. Error-rate budgets are ratios.
type Ratio float64

const ratioExample = "want a percentage such as 0.1% or 99.9%"

// ParseRatio reads a percentage such as "0.1%" or "99.9%" into a ratio
// (0.001, 0.999). The % sign is required, and the value must lie between 0%
// and 100% inclusive.
func ParseRatio(s string) (Ratio, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty percentage: %s", ratioExample)
	}
	num, ok := strings.CutSuffix(t, "%")
	if !ok {
		return 0, fmt.Errorf("percentage %q has no %% sign: %s", s, ratioExample)
	}
	if !isDecimal(num) {
		return 0, fmt.Errorf("invalid percentage %q: %s", s, ratioExample)
	}
	v, err := parseScaled(num, -2)
	if err != nil {
		return 0, fmt.Errorf("invalid percentage %q: %s", s, ratioExample)
	}
	switch {
	case v < 0:
		return 0, fmt.Errorf("percentage %q is negative: want 0%% to 100%%", s)
	case v > 1:
		return 0, fmt.Errorf("percentage %q is over 100%%", s)
	}
	return Ratio(v), nil
}

// String writes the ratio as a percentage ("0.1%", "99.9%"), to six
// significant digits.
func (r Ratio) String() string { return formatDecimal(float64(r)*100) + "%" }

// Quantity returns the ratio as a Quantity.
func (r Ratio) Quantity() Quantity { return Quantity{Unit: UnitRatio, Value: float64(r)} }

// MarshalText writes the ratio as String does.
func (r Ratio) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a ratio as ParseRatio does.
func (r *Ratio) UnmarshalText(b []byte) error {
	v, err := ParseRatio(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
