package slo

import (
	"errors"
	"strings"
)

// Finding is one thing a measuring package looked at: whether what it
// observed met what was expected, or why it could not observe it at all.
// Measuring packages return findings; Judge alone turns them into a status.
type Finding struct {
	// Expected and Observed say what was looked for and what was seen;
	// either may be empty when the note says it all.
	Expected string
	Observed string
	// Held says the observation met the expectation. It means nothing
	// when Cause is set.
	Held bool
	// Cause is why nothing could be observed; nil when something was.
	// Its errors match ErrNotMeasured.
	Cause error
	// Note says in one line how the finding held, how it missed, or why
	// it could not be measured.
	Note string
}

// ErrNotMeasured is the cause of every finding that could not be
// measured: a target that never answered, a registry that could not be
// asked, a suite that did not build. Such a finding is never a pass.
var ErrNotMeasured = errors.New("could not measure")

// UnmeasuredPrefix begins the reason of a check that could not measure.
const UnmeasuredPrefix = "could not measure: "

// notMeasured is a cause that says why, and is ErrNotMeasured.
type notMeasured struct{ why string }

func (e *notMeasured) Error() string        { return e.why }
func (e *notMeasured) Is(target error) bool { return target == ErrNotMeasured }

// Met is a finding that held, and how.
func Met(note string) Finding { return Finding{Held: true, Note: note} }

// Missed is a finding that did not hold, and how.
func Missed(note string) Finding { return Finding{Note: note} }

// Held is a finding that held or not as held says, with the note that
// says how.
func Held(held bool, note string) Finding { return Finding{Held: held, Note: note} }

// NotMeasured is a finding that could not be measured, and why; the note
// is why, as given.
func NotMeasured(why string) Finding {
	return Finding{Cause: &notMeasured{why: why}, Note: why}
}

// Found re-expresses a status decided already (a part of a check, judged
// by Judge) as a finding of the whole, with a note.
func Found(s Status, note string) Finding {
	switch s {
	case Pass:
		return Met(note)
	case Fail:
		return Missed(note)
	}
	return NotMeasured(note)
}

// status is what the finding alone says.
func (f Finding) status() Status {
	switch {
	case f.Cause != nil:
		return Inconclusive
	case f.Held:
		return Pass
	}
	return Fail
}

// Judge judges the finding alone, in the default wording.
func (f Finding) Judge() Judgement { return Judge([]Finding{f}, Wording{}) }

// Notes joins the findings' notes with "; ", leaving out empty ones.
func Notes(fs []Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Note != "" {
			parts = append(parts, f.Note)
		}
	}
	return strings.Join(parts, "; ")
}
