package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// JUnit XML, in the shape CI systems (GitLab, Jenkins, GitHub actions
// reporters) read: one testsuite per phase, one testcase per check, and the
// run's outcome as a testcase of its own. A failed check is a <failure>; an
// inconclusive one is an <error>, since it is not the new version's fault
// but must not read as a pass.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string          `xml:"name,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Time      float64         `xml:"time,attr"`
	Timestamp string          `xml:"timestamp,attr,omitempty"`
	Props     []junitProperty `xml:"properties>property,omitempty"`
	Cases     []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the check phase and, after a rollback, the verify phase
// as JUnit XML.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitSuites{Name: "postflight " + r.Name, Time: r.Duration.Seconds()}
	props := []junitProperty{
		{"run_id", r.RunID}, {"plan", r.Plan}, {"new_image", r.NewImage}, {"old_image", r.OldImage},
		{"verdict", r.Verdict.Status.String()}, {"outcome", string(r.Outcome)},
	}
	doc.Suites = append(doc.Suites, suiteOf("postflight.check", r.Checks, r.Started, props))
	if rb := r.Rollback; rb != nil && len(rb.Verify) > 0 {
		doc.Suites = append(doc.Suites, suiteOf("postflight.verify", rb.Verify, time.Time{}, nil))
	}
	if r.Regression != nil {
		doc.Suites = append(doc.Suites, historySuite(r.Regression))
	}
	doc.Suites = append(doc.Suites, outcomeSuite(r))
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func suiteOf(name string, rs []result.Result, started time.Time, props []junitProperty) junitSuite {
	s := junitSuite{Name: name, Tests: len(rs), Props: props}
	if !started.IsZero() {
		s.Timestamp = started.UTC().Format(time.RFC3339)
	}
	for _, c := range rs {
		out := fmt.Sprintf("target: %s\nexpected: %s\nobserved: %s\nattempts: %d\n", c.Target, c.Expected, c.Observed, c.Attempts)
		for _, o := range c.Objectives {
			out += fmt.Sprintf("%s: %s\n", o.Status, o.Reason)
		}
		tc := junitCase{Name: c.Name, Classname: name + "." + c.Kind, Time: c.Duration.Seconds(), SystemOut: out}
		body := fmt.Sprintf("expected: %s\nobserved: %s\nreason: %s", c.Expected, c.Observed, c.Reason)
		switch c.Status {
		case slo.Fail:
			s.Failures++
			tc.Failure = &junitProblem{Message: c.Reason, Type: "fail", Body: body}
		case slo.Inconclusive:
			s.Errors++
			tc.Error = &junitProblem{Message: c.Reason, Type: "inconclusive", Body: body}
		}
		s.Time += c.Duration.Seconds()
		s.Cases = append(s.Cases, tc)
	}
	return s
}

// historySuite holds the comparison with history, a testcase per
// objective: a regression is a <failure> when it fails the run, and said
// in the case's output when it warns; no baseline, and a comparison that
// could not be made, are <skipped> — never a pass. A history that could
// not be read is an <error> when a regression would fail the run.
func historySuite(g *Regression) junitSuite {
	const name = "postflight.history"
	s := junitSuite{Name: name}
	fails := g.Fails()
	if g.Error != "" {
		tc := junitCase{Name: "history", Classname: name, SystemOut: g.Error}
		if fails {
			s.Errors++
			tc.Error = &junitProblem{Message: "could not compare with the history: " + g.Error, Type: "inconclusive", Body: g.Error}
		}
		s.Cases = append(s.Cases, tc)
	}
	for _, c := range g.Comparisons {
		tc := junitCase{Name: c.Check + ": " + c.Objective, Classname: name + "." + c.Check, SystemOut: c.Outcome.String() + ": " + c.Reason + "\n"}
		switch {
		case c.Outcome == history.Regression && fails:
			s.Failures++
			tc.Failure = &junitProblem{Message: c.Reason, Type: "regression", Body: c.Reason}
		case c.Outcome == history.NoBaseline || c.Outcome == history.Inconclusive:
			tc.Skipped = &junitProblem{Message: c.Reason, Type: c.Outcome.String()}
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	return s
}

// outcomeSuite holds the run's outcome as one testcase, so that the file is
// red whenever the run neither passed nor rolled back — also when no check
// says so: a run interrupted after its checks passed, a rollback by hand
// that failed or found the target locked.
func outcomeSuite(r *Report) junitSuite {
	tc := junitCase{Name: "outcome", Classname: "postflight.outcome", Time: r.Duration.Seconds(),
		SystemOut: fmt.Sprintf("%s (exit %d)\n", r.Summary, r.ExitCode)}
	s := junitSuite{Name: "postflight.outcome", Tests: 1, Time: tc.Time}
	problem := &junitProblem{Message: r.Summary, Type: string(r.Outcome), Body: r.Summary}
	switch r.Outcome {
	case Passed, RolledBack:
	case Failed, RollbackFailed:
		s.Failures++
		tc.Failure = problem
	default:
		s.Errors++
		tc.Error = problem
	}
	s.Cases = append(s.Cases, tc)
	return s
}
