package slo

import "fmt"

// Judgement is what Judge decided of a check's findings: the status, one
// line saying why, and the findings sorted by what they said.
type Judgement struct {
	Status Status
	Reason string
	// Held, Missed and Unmeasured are the findings that held, that did
	// not, and that could not be measured, each in the order given.
	Held, Missed, Unmeasured []Finding
	// NotHeld are the findings that missed or could not be measured, in
	// the order given.
	NotHeld []Finding
}

// Wording says a judgement in a check's own words. Judge decides which
// applies; a nil one says it the default way.
type Wording struct {
	// Held words a pass: every finding held. Default: the one finding's
	// note, or "all N held".
	Held func(j Judgement) string
	// Missed words a fail: some finding did not hold. Default: the notes
	// of the findings that missed or could not be measured, in order.
	Missed func(j Judgement) string
	// Unmeasured words an inconclusive judgement: nothing missed, but
	// some finding could not be measured. Default: their notes, in order.
	Unmeasured func(j Judgement) string
	// Nothing words a judgement of no finding at all. Default:
	// "could not measure: nothing measured".
	Nothing string
}

// Judge decides a check from its findings. No finding at all is
// inconclusive: nothing was measured, so nothing passed. Any finding that
// did not hold fails the check, whatever else could not be measured; else
// any finding that could not be measured makes it inconclusive; else it
// passes. The reason is worded by w.
func Judge(fs []Finding, w Wording) Judgement {
	var j Judgement
	for _, f := range fs {
		switch f.status() {
		case Pass:
			j.Held = append(j.Held, f)
			continue
		case Fail:
			j.Missed = append(j.Missed, f)
		default:
			j.Unmeasured = append(j.Unmeasured, f)
		}
		j.NotHeld = append(j.NotHeld, f)
	}
	switch {
	case len(fs) == 0:
		j.Status, j.Reason = Inconclusive, w.Nothing
		if j.Reason == "" {
			j.Reason = UnmeasuredPrefix + "nothing measured"
		}
	case len(j.Missed) > 0:
		j.Status, j.Reason = Fail, say(w.Missed, j, func(j Judgement) string { return Notes(j.NotHeld) })
	case len(j.Unmeasured) > 0:
		j.Status, j.Reason = Inconclusive, say(w.Unmeasured, j, func(j Judgement) string { return Notes(j.Unmeasured) })
	default:
		j.Status, j.Reason = Pass, say(w.Held, j, heldByDefault)
	}
	return j
}

// say words j with fn, or with def when fn is nil.
func say(fn func(Judgement) string, j Judgement, def func(Judgement) string) string {
	if fn == nil {
		fn = def
	}
	return fn(j)
}

func heldByDefault(j Judgement) string {
	if len(j.Held) == 1 {
		return j.Held[0].Note
	}
	return fmt.Sprintf("all %d held", len(j.Held))
}

// Also judges one more finding on top of a judgement made already: the
// worse status stands. A finding that held changes nothing. One that did
// not adds its note to a failed judgement's reason and replaces any other
// reason; a note of a finding that could not be measured is prefixed with
// UnmeasuredPrefix.
func (j Judgement) Also(f Finding) Judgement {
	s := f.status()
	if s == Pass {
		return j
	}
	why := f.Note
	if s == Inconclusive {
		why = UnmeasuredPrefix + why
	}
	if j.Status == Fail {
		j.Reason += "; " + why
	} else {
		j.Reason = why
	}
	j.Status = Worst(j.Status, s)
	j.NotHeld = append(j.NotHeld, f)
	if s == Fail {
		j.Missed = append(j.Missed, f)
	} else {
		j.Unmeasured = append(j.Unmeasured, f)
	}
	return j
}

// Confirm judges f only when j passed: evidence a pass needs, which adds
// nothing to a judgement that did not pass.
func (j Judgement) Confirm(f Finding) Judgement {
	if j.Status != Pass {
		return j
	}
	return j.Also(f)
}
