package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/slo"
)

// How a canary rollout runs a plan's compare checks: the canary's
// endpoints in Env.Endpoints, the stable version's in Env.Baseline.
func TestAPhaseComparesAServiceThroughBothSidesEndpoints(t *testing.T) {
	answerAfter := func(d time.Duration) string {
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(d) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	stable, canary := answerAfter(2*time.Millisecond), answerAfter(25*time.Millisecond)
	tolerance := plan.MaxRateTolerance
	check := plan.Check{Name: "vs-stable", Kind: plan.KindCompare, Service: "api", Timeout: plan.Duration{Duration: time.Second, Set: true},
		Compare: &plan.CompareSpec{Method: "GET", Path: "/", Rate: 50, Duration: plan.Duration{Duration: time.Second, Set: true}, RateTolerance: &tolerance}}

	var lines []string
	rs := Phase{Checks: []plan.Check{check}, Env: Env{Phase: PhaseCheck, Endpoints: endpoints{"api": canary}, Baseline: endpoints{"api": stable},
		Progress: func(l string) { lines = append(lines, l) }}}.Run(context.Background())
	if r := rs[0]; r.Status != slo.Fail || !strings.Contains(r.Reason, "canary worse: latency shift") || !strings.Contains(r.Target, "baseline "+stable) {
		t.Errorf("%s: %s (target %s); want the slower canary failed", r.Status, r.Reason, r.Target)
	}

	// The same check without a baseline could not measure, and says why.
	rs = Phase{Checks: []plan.Check{check}, Env: Env{Phase: PhaseCheck, Endpoints: endpoints{"api": canary}}}.Run(context.Background())
	if r := rs[0]; r.Status != slo.Inconclusive || !strings.Contains(r.Reason, "no baseline to compare with") {
		t.Errorf("%s: %s; want inconclusive for want of a baseline", r.Status, r.Reason)
	}
}
