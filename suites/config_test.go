package suites

import (
	"testing"

	"github.com/postflight/postflight/harness/plan"
)

// A phase ends when its checks end or the run is interrupted (the parent
// signals it). A deadline of Ginkgo's own — an hour by default — would cut
// a long load check, which a plan may make last up to a day, short, and
// every plan that long could never pass.
func TestPhaseHasNoSuiteDeadlineOfItsOwn(t *testing.T) {
	suiteCfg, _ := phaseConfig(PhaseRequest{Phase: PhaseCheck})
	if suiteCfg.Timeout != 0 && suiteCfg.Timeout < plan.MaxDuration*plan.MaxChecks {
		t.Errorf("the phase suite times out after %s", suiteCfg.Timeout)
	}
	if suiteCfg.Timeout < 0 {
		t.Errorf("negative timeout %s", suiteCfg.Timeout)
	}
}
