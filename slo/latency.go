package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Latency is a duration budget or measurement: how long a request, or a
// write's propagation, takes. It is written the way Go writes durations:
// "250ms", "1.5s", "2m".
type Latency time.Duration

const latencyExample = "want a duration such as 250ms or 1.5s"

// ParseLatency reads a latency budget such as "250ms" or "1.5s". The value
// must carry a unit and be positive: a budget of zero holds nothing.
func ParseLatency(s string) (Latency, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty latency: %s", latencyExample)
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return 0, fmt.Errorf("latency %q has no unit: %s", s, latencyExample)
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("invalid latency %q: %s", s, latencyExample)
	}
	if d <= 0 {
		return 0, fmt.Errorf("latency %q must be positive", s)
	}
	return Latency(d), nil
}

// String writes the latency as a Go duration ("250ms", "1.5s", "1m30s").
// From one millisecond up, it is rounded to the microsecond: finer digits
// are noise at that scale and only make reports harder to read.
func (l Latency) String() string {
	d := time.Duration(l)
	if d >= time.Millisecond || d <= -time.Millisecond {
		d = d.Round(time.Microsecond)
	}
	return d.String()
}

// Quantity returns the latency as a Quantity, in seconds.
func (l Latency) Quantity() Quantity {
	return Quantity{Unit: UnitDuration, Value: time.Duration(l).Seconds()}
}

// MarshalText writes the latency as String does.
func (l Latency) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a latency as ParseLatency does.
func (l *Latency) UnmarshalText(b []byte) error {
	v, err := ParseLatency(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
