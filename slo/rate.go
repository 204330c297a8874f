package slo

import (
	"fmt"
	"strings"
)

// Rate is a throughput, in events per second. It is written with its time
// unit: "200/s", "12.5/s", "3000/m" (50 per second), "/h" for per hour.
type Rate float64

const rateExample = "want a rate such as 200/s or 3000/m"

var rateUnits = map[string]float64{"s": 1, "m": 60, "h": 3600}

// ParseRate reads a rate such as "200/s" or "3000/m" and converts it to a
// rate per second. The unit is required (/s, /m or /h) and the value must be
// positive: a throughput budget of zero holds nothing.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty rate: %s", rateExample)
	}
	num, unit, ok := strings.Cut(t, "/")
	if !ok {
		return 0, fmt.Errorf("rate %q has no unit: %s", s, rateExample)
	}
	per, known := rateUnits[unit]
	if !known {
		return 0, fmt.Errorf("rate %q has unknown unit %q: want /s, /m or /h", s, "/"+unit)
	}
	if !isDecimal(num) {
		return 0, fmt.Errorf("invalid rate %q: %s", s, rateExample)
	}
	v, err := parseScaled(num, 0)
	if err != nil {
		return 0, fmt.Errorf("invalid rate %q: %s", s, rateExample)
	}
	if v <= 0 {
		return 0, fmt.Errorf("rate %q must be positive", s)
	}
	return Rate(v / per), nil
}

// String writes the rate per second ("200/s", "12.5/s"), to six significant
// digits.
func (r Rate) String() string { return formatDecimal(float64(r)) + "/s" }

// Quantity returns the rate as a Quantity, per second.
func (r Rate) Quantity() Quantity { return Quantity{Unit: UnitRate, Value: float64(r)} }

// MarshalText writes the rate as String does.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a rate as ParseRate does.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
