// Package slo turns measurements and budgets into verdicts. It is pure: no
// I/O, no clocks, no network.
package slo

import "fmt"

// Status is the outcome of one check or of a whole run.
type Status int

// The statuses. The zero value is Inconclusive: a result nobody judged
// (a check kind that forgot to say, a field never set) is never a pass.
const (
	// Inconclusive: could not measure (target unreachable, Docker down,
	// timeout before any answer, too few samples). Never a pass.
	Inconclusive Status = iota
	// Pass: measured, and within every budget.
	Pass
	// Fail: measured, and outside a budget.
	Fail
)

// severity orders the statuses for aggregation: a run is as bad as its
// worst check, and a fail outranks an inconclusive.
var severity = [...]int{Pass: 0, Inconclusive: 1, Fail: 2}

var statusNames = [...]string{Inconclusive: "inconclusive", Pass: "pass", Fail: "fail"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ParseStatus is the inverse of String.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), nil
		}
	}
	return Inconclusive, fmt.Errorf("unknown status %q (want pass, fail or inconclusive)", s)
}

// MarshalText writes the status by name in JSON and XML.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status by name.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Worst returns the most severe of the statuses; Pass for none. A run with
// no checks at all is not a pass: use Decide for verdicts.
func Worst(statuses ...Status) Status {
	w := Pass
	for _, s := range statuses {
		if s.severity() > w.severity() {
			w = s
		}
	}
	return w
}

// severity ranks s; a status out of range ranks as Inconclusive.
func (s Status) severity() int {
	if s >= 0 && int(s) < len(severity) {
		return severity[s]
	}
	return severity[Inconclusive]
}
