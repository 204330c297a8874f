// Package report records what a run did and writes it for people (console)
// and for CI systems (JSON, JUnit XML).
package report

import (
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

// Outcome is how a run ended; each has its own exit code.
type Outcome string

// Outcomes and their exit codes (see ExitCode).
const (
	Passed         Outcome = "passed"          // 0
	Failed         Outcome = "failed"          // 1: failed, not rolled back
	PlanError      Outcome = "plan-error"      // 2: bad plan or usage
	RolledBack     Outcome = "rolled-back"     // 3: rolled back and verified
	Inconclusive   Outcome = "inconclusive"    // 4: could not measure, not rolled back
	RollbackFailed Outcome = "rollback-failed" // 5: rollback or its verification failed
	Interrupted    Outcome = "interrupted"     // 130: stopped by a signal
)

// ExitCode is the process exit code of an outcome.
func (o Outcome) ExitCode() int {
	switch o {
	case Passed:
		return 0
	case Failed:
		return 1
	case PlanError:
		return 2
	case RolledBack:
		return 3
	case Inconclusive:
		return 4
	case RollbackFailed:
		return 5
	case Interrupted:
		return 130
	}
	return 1
}

// Report is the record of one run.
type Report struct {
	RunID    string        `json:"run_id"`
	Plan     string        `json:"plan"`
	Name     string        `json:"name"`
	Stack    string        `json:"stack"`
	NewImage string        `json:"new_image"`
	OldImage string        `json:"old_image"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	DryRun   bool          `json:"dry_run"`

	// Checks are the check phase's results, the stack's start among them
	// when it did not come up.
	Checks []result.Result `json:"checks"`
	// Regression is the checks' objectives held against the history of
	// the plan, before the verdict; nil when the plan asks for no
	// comparison (policy.regression).
	Regression *Regression `json:"regression,omitempty"`
	Verdict    slo.Verdict `json:"verdict"`
	// Rollback is set when the verdict called for a rollback.
	Rollback *Rollback `json:"rollback,omitempty"`

	Outcome  Outcome `json:"outcome"`
	ExitCode int     `json:"exit_code"`
	// Summary says in one line how the run ended and why: the Headline,
	// then the reason.
	Summary string `json:"summary"`
	// Headline says how the run ended, without why: "ROLLED BACK and
	// verified". The console and Markdown end with it, the reasons being
	// written beside the checks.
	Headline string `json:"headline"`
	// Errors are problems of postflight itself (cleanup, reports) that did
	// not change the outcome but must not go unseen.
	Errors []string `json:"errors,omitempty"`
	// Steps are the run's steps in the order they ran, each with its
	// start, duration and outcome; the writing of the reports themselves
	// is the one step they cannot list.
	Steps []Step `json:"steps,omitempty"`
}

// Step is one step of a run as it happened.
type Step struct {
	Name     string        `json:"name"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// Outcome is "done", or what the step did or why it did nothing:
	// "skipped: the verdict is pass".
	Outcome string `json:"outcome"`
}

// Rollback is what the run did to put the old version back.
type Rollback struct {
	// Reason is why the run rolled back.
	Reason string `json:"reason"`
	// Configured is false when the plan has no rollback driver.
	Configured bool            `json:"configured"`
	Plan       string          `json:"plan,omitempty"` // what the driver does
	Outcome    *change.Outcome `json:"outcome,omitempty"`
	Error      string          `json:"error,omitempty"`
	// Locked says another rollback of the same target held it past the
	// lock timeout: nothing was done, and Error says who holds it.
	Locked bool `json:"locked,omitempty"`
	// Verify are the results of the verify checks after the rollback.
	Verify        []result.Result `json:"verify,omitempty"`
	VerifyVerdict *slo.Verdict    `json:"verify_verdict,omitempty"`
}
