package load

import (
	"fmt"
	"net/http"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Answer is an HTTP answer as a Judge sees it.
type Answer struct {
	Status int
	Header http.Header
	// Body is the start of the body: at most Spec.MaxBody bytes of it.
	Body []byte
}

// Judge says what is wrong with an answer: the reason to count it under,
// empty when the answer is as expected, and an example of the answer to
// show for that reason. It is called from Run's goroutine, one answer at a
// time, as each one comes back; the answer is not kept.
type Judge func(Answer) (problem Reason, example string)

// judgeStatus is the judge of a target without one: a 2xx or 3xx status is
// as expected, but for a redirect off the target. Redirects within the
// target are followed (see redirect.WithinOrigin), so a redirect that comes
// back as the answer sends callers elsewhere: what answers there is not
// the target.
func judgeStatus(a Answer) (Reason, string) {
	if loc := a.Header.Get("Location"); a.Status >= 300 && a.Status < 400 && loc != "" {
		return ReasonOffTarget, fmt.Sprintf("%d %s to %s", a.Status, http.StatusText(a.Status), loc)
	}
	if a.Status >= 200 && a.Status < 400 {
		return "", ""
	}
	return StatusReason(a.Status), fmt.Sprintf("%d %s", a.Status, http.StatusText(a.Status))
}

// outcome is what became of one request: its reason ("" for a success), an
// example for the reason, and whether it got an answer at all.
type outcome struct {
	reason   Reason
	example  string
	answered bool
	aborted  bool // cut short by the interruption, not the target's doing
}

// judge returns the outcome of a vegeta result, judged by j.
func judge(r *vegeta.Result, j Judge) outcome {
	// vegeta sets the code only once the whole answer is read: a code means
	// an answer, whatever r.Error says of its status.
	if r.Code == 0 {
		if abortedByUs(r.Error) {
			return outcome{aborted: true}
		}
		reason := classify(0, r.Error)
		return outcome{reason: reason, example: r.Error}
	}
	problem, example := j(Answer{Status: int(r.Code), Header: r.Headers, Body: r.Body})
	return outcome{reason: problem, example: example, answered: true}
}
