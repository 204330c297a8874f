package slo

import "fmt"

// Bound is which side of its budget an observed value must stay on.
type Bound int

const (
	// AtMost: observed <= budget passes (latency, error rate,
	// propagation). The margin is budget - observed.
	AtMost Bound = iota
	// AtLeast: observed >= budget passes (throughput). The margin is
	// observed - budget.
	AtLeast
)

var boundNames = [...]string{AtMost: "at most", AtLeast: "at least"}

// String writes the bound as "at most" or "at least".
func (b Bound) String() string {
	if b >= 0 && int(b) < len(boundNames) {
		return boundNames[b]
	}
	return fmt.Sprintf("Bound(%d)", int(b))
}

// MarshalText writes the bound by name.
func (b Bound) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads a bound by name.
func (b *Bound) UnmarshalText(t []byte) error {
	for i, n := range boundNames {
		if n == string(t) {
			*b = Bound(i)
			return nil
		}
	}
	return fmt.Errorf("unknown bound %q (want at most or at least)", t)
}
