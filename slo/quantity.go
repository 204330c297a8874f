package slo

import (
	"fmt"
	"math"
	"time"
)

// Unit says what a Quantity measures, and so how its Value is read and
// printed.
type Unit int

const (
	// UnitDuration: Value is in seconds, printed as a Latency ("250ms").
	UnitDuration Unit = iota
	// UnitRatio: Value is a fraction, printed as a Ratio ("0.1%").
	UnitRatio
	// UnitRate: Value is per second, printed as a Rate ("200/s").
	UnitRate
)

var unitNames = [...]string{UnitDuration: "duration", UnitRatio: "ratio", UnitRate: "rate"}

// String names the unit: "duration", "ratio" or "rate".
func (u Unit) String() string {
	if u >= 0 && int(u) < len(unitNames) {
		return unitNames[u]
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// MarshalText writes the unit by name.
func (u Unit) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText reads a unit by name.
func (u *Unit) UnmarshalText(b []byte) error {
	for i, n := range unitNames {
		if n == string(b) {
			*u = Unit(i)
			return nil
		}
	}
	return fmt.Errorf("unknown unit %q (want duration, ratio or rate)", b)
}

// Quantity is a budget, an observed value or a margin in one of the units
// budgets are written in. It is how an Evaluation reports numbers of any
// objective in one shape, in JSON as well as in text.
type Quantity struct {
	Unit  Unit    `json:"unit"`
	Value float64 `json:"value"`
}

// String writes the quantity the way its unit is written: "412ms", "1.2%",
// "200/s".
func (q Quantity) String() string {
	switch q.Unit {
	case UnitDuration:
		return q.latency().String()
	case UnitRatio:
		return Ratio(q.Value).String()
	case UnitRate:
		return Rate(q.Value).String()
	}
	return fmt.Sprintf("%v %v", q.Value, q.Unit)
}

// latency reads a duration quantity back to the nanosecond. The round trip
// through seconds is exact for any duration under about 104 days.
func (q Quantity) latency() Latency {
	return Latency(time.Duration(math.Round(q.Value * float64(time.Second))))
}
