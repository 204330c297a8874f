package check

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/slo/compare"
)

// compareCheck compares two URLs at 100/s for d. It tolerates a rate up
// to half short of the rate asked: these tests judge the sides, not the
// generator, whose machine may be busy.
func compareCheck(baseline, canary string, d time.Duration) plan.Check {
	return plan.Check{Name: "cmp", Kind: plan.KindCompare, Timeout: dur(5 * time.Second),
		Compare: &plan.CompareSpec{BaselineURL: baseline, CanaryURL: canary, Method: "GET", Path: "/items",
			Rate: 100, Duration: dur(d), Warmup: dur(300 * time.Millisecond), RateTolerance: ratio("50%")}}
}

func runCompare(t *testing.T, c plan.Check) Comparison {
	t.Helper()
	var lines []string
	out := Compare(context.Background(), c, "check", nil, nil, func(l string) { lines = append(lines, l) })
	r := out.Result
	t.Logf("%s: %s\n  target %s\n  observed %s", r.Status, r.Reason, r.Target, r.Observed)
	for _, p := range r.Parts {
		t.Logf("  %s %s: %s (%s)", p.Status, p.Name, p.Observed, p.Reason)
	}
	if c.Compare == nil {
		return out
	}
	if c.Compare.Duration.Duration >= 2*time.Second && len(lines) == 0 {
		t.Errorf("no progress line in a %s comparison", c.Compare.Duration.Duration)
	}
	if r.Duration < c.Compare.Duration.Duration && r.Status != slo.Inconclusive {
		t.Errorf("took %v, less than the load's %v", r.Duration, c.Compare.Duration.Duration)
	}
	return out
}

// Two instances of the same service, one a side: nothing is found. The tolerance is 50%:
// on a machine shared with other work, the p99 of a few hundred requests
// moves by tens of milliseconds from one sample to the next, and within 5%
// it would be undecided (inconclusive) as often as not.
func TestCompareTheSameServiceOnBothSidesPasses(t *testing.T) {
	c := compareCheck(nettest.Service(t, 20*time.Millisecond, 0), nettest.Service(t, 20*time.Millisecond, 0), 3*time.Second)
	c.Compare.Tolerance = ratio("50%")
	out := runCompare(t, c)
	r, j := out.Result, out.Judged
	if r.Status != slo.Pass || j == nil || j.Verdict != compare.NotWorse {
		t.Fatalf("status %s: %s; want pass", r.Status, r.Reason)
	}
	if j.Baseline.Latencies < 250 || j.Canary.Latencies < 250 || !j.Tail.Measured {
		t.Errorf("%d and %d latencies, p99 measured %v; want about 300 a side", j.Baseline.Latencies, j.Canary.Latencies, j.Tail.Measured)
	}
	for _, want := range []string{"U p ", "HL shift ", "p99 ", "errors ", "Fisher p ", "n = "} {
		if !strings.Contains(r.Reason, want) {
			t.Errorf("reason %q lacks %q", r.Reason, want)
		}
	}
	if len(r.Parts) != 3 {
		t.Fatalf("parts %+v; want latency shift, p99 and error rate", r.Parts)
	}
	for _, p := range r.Parts {
		if p.Status != slo.Pass || p.Observed == "" {
			t.Errorf("part %s: %s, %q", p.Name, p.Status, p.Observed)
		}
	}
}

// A canary 10% and 20% slower than its baseline, at 300 requests a side,
// is found worse, with the shift and its interval around the truth.
func TestCompareFindsASlowerCanary(t *testing.T) {
	base := nettest.Service(t, 20*time.Millisecond, 0)
	for _, slower := range []time.Duration{2 * time.Millisecond, 4 * time.Millisecond} {
		out := runCompare(t, compareCheck(base, nettest.Service(t, 20*time.Millisecond+slower, 0), 3*time.Second))
		r, j := out.Result, out.Judged
		if r.Status != slo.Fail || j == nil || j.Location.Verdict != compare.Worse {
			t.Fatalf("+%v: status %s: %s; want fail by the latency shift", slower, r.Status, r.Reason)
		}
		l := j.Location
		if l.Low > slower+time.Millisecond || l.High < slower-time.Millisecond || l.P >= 0.01 || j.Canary.Latencies < 200 {
			t.Errorf("+%v: shift %v [%v..%v], p %v, n %d; want an interval within 1ms of the truth, significant, n >= 200", slower, l.Shift, l.Low, l.High, l.P, j.Canary.Latencies)
		}
		if !strings.Contains(r.Reason, "canary worse: latency shift") || r.Parts[0].Status != slo.Fail {
			t.Errorf("+%v: reason %q, shift part %s", slower, r.Reason, r.Parts[0].Status)
		}
	}
}

// A canary that fails 5% of its requests, as fast as its baseline
// otherwise, is worse by its error rate alone.
func TestCompareCatchesAShareOfFailures(t *testing.T) {
	out := runCompare(t, compareCheck(nettest.Service(t, 5*time.Millisecond, 0), nettest.Service(t, 5*time.Millisecond, 20), 3*time.Second))
	r, j := out.Result, out.Judged
	if r.Status != slo.Fail || j == nil || j.Errors.Verdict != compare.Worse {
		t.Fatalf("status %s: %s; want fail by the error rate", r.Status, r.Reason)
	}
	if j.Errors.Canary < 0.04 || j.Errors.Canary > 0.06 || j.Errors.Baseline != 0 || j.Errors.P >= 0.01 {
		t.Errorf("error rates %v vs %v, p %v; want 5%% vs 0, significant", j.Errors.Canary, j.Errors.Baseline, j.Errors.P)
	}
	if !strings.Contains(r.Reason, "error rate") || !strings.Contains(r.Observed, "status 500") || r.Parts[2].Status != slo.Fail {
		t.Errorf("reason %q, observed %q, error part %s", r.Reason, r.Observed, r.Parts[2].Status)
	}
}

func TestCompareWithoutDataIsInconclusive(t *testing.T) {
	up := nettest.Service(t, 0, 0)
	tests := []struct {
		name  string
		check plan.Check
		want  string
	}{
		{"canary down", compareCheck(up, nettest.RefusedURL(t), time.Second), "canary: no request got an answer"},
		{"baseline down", compareCheck(nettest.RefusedURL(t), up, time.Second), "baseline: no request got an answer"},
		{"too few samples", func() plan.Check {
			c := compareCheck(up, nettest.Service(t, 0, 0), time.Second)
			c.Compare.Rate = 5
			return c
		}(), "canary latencies, need 20 a side"},
		{"the same URL on both sides", compareCheck(up, up, time.Second), "baseline and canary are the same URL"},
		{"no compare section", plan.Check{Name: "cmp", Kind: plan.KindCompare}, "the check has no compare section"},
		{"a service outside a rollout", plan.Check{Name: "cmp", Kind: plan.KindCompare, Service: "api",
			Compare: &plan.CompareSpec{Method: "GET", Path: "/", Rate: 100, Duration: dur(time.Second)}}, "no baseline to compare with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCompare(t, tt.check).Result
			if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, tt.want) {
				t.Errorf("status %s: %s; want inconclusive, %q", r.Status, r.Reason, tt.want)
			}
		})
	}
}

// In a rollout the service resolves to the canary through one set of
// endpoints and to the baseline through the other.
func TestCompareResolvesAServiceOnBothSides(t *testing.T) {
	base, slow := nettest.Service(t, 10*time.Millisecond, 0), nettest.Service(t, 30*time.Millisecond, 0)
	c := plan.Check{Name: "cmp", Kind: plan.KindCompare, Service: "api", Timeout: dur(2 * time.Second),
		Compare: &plan.CompareSpec{Method: "GET", Path: "/", Rate: 50, Duration: dur(time.Second), RateTolerance: ratio("50%")}}
	out := Compare(context.Background(), c, "check", staticEndpoints{"api": slow}, staticEndpoints{"api": base}, nil)
	r := out.Result
	if r.Status != slo.Fail || !strings.Contains(r.Target, "baseline "+base) || !strings.Contains(r.Target, "canary "+slow) {
		t.Errorf("status %s, target %q: %s; want the slow canary failed", r.Status, r.Target, r.Reason)
	}
	if s := out.Judged.Location.Shift; s < 15*time.Millisecond || s > 25*time.Millisecond {
		t.Errorf("shift %v; want about 20ms", s)
	}
	r = RunCompare(context.Background(), c, "check", staticEndpoints{"api": slow}, staticEndpoints{}, nil)
	if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, `baseline: resolve service "api"`) {
		t.Errorf("status %s: %s; want inconclusive, the baseline unresolved", r.Status, r.Reason)
	}
}
