package htmlreport

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/harness/rollback/change"
	"github.com/postflight/postflight/slo"
)

// sampleLoad is a synthetic load of requests over window: latencies of a
// few ms with a slow minute in the middle, one spike of 2.5 s, and a burst
// of 503s and timeouts. It goes through result.LoadBuilder as a real load
// does.
func sampleLoad(requests int, window time.Duration, rate float64) (*result.Load, []time.Duration) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := result.NewLoadBuilder(window)
	lat := make([]time.Duration, 0, requests)
	for i := range requests {
		at := time.Duration(i) * window / time.Duration(requests)
		d := 2*time.Millisecond + time.Duration(rng.ExpFloat64()*float64(3*time.Millisecond))
		if at > window*4/10 && at < window*5/10 {
			d += 20 * time.Millisecond
		}
		if i == requests*7/10 {
			d = 2500 * time.Millisecond
		}
		switch {
		case at > window*6/10 && at < window*62/100 && i%5 == 0:
			b.Add(at, d, "status 503")
		case at > window*61/100 && at < window*63/100 && i%11 == 0:
			b.Add(at, d, "timeout")
		default:
			b.Add(at, d, "")
			lat = append(lat, d)
		}
	}
	l := b.Build(lat)
	l.Rate = rate
	return l, lat
}

func q(v float64, u slo.Unit) slo.Quantity { return slo.Quantity{Value: v, Unit: u} }

// sampleReport is a run that rolled back: a load check of requests over
// window that failed its p99 budget, a passing HTTP check, a propagation
// check, a packages check with an undeclared upgrade, and a rollback with
// its steps and verify checks.
func sampleReport(requests int, window time.Duration) *report.Report {
	rate := float64(requests) / window.Seconds()
	l, lat := sampleLoad(requests, window, rate)
	started := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	loadCheck := result.Result{Name: "kv-under-load", Kind: "load", Phase: "check", Target: fmt.Sprintf("GET http://127.0.0.1:32978/kv/demo (x4), PUT http://127.0.0.1:32978/kv/demo at %.0f/s for %s", rate, window),
		Status: slo.Fail, Expected: "p50 latency <= 10ms, p99 latency <= 20ms, error rate <= 1%",
		Observed: fmt.Sprintf("%d requests in %s (%.1f/s), %d ok, %d failed", requests, window, rate, len(lat), requests-len(lat)), Reason: "p99 latency 25.1ms exceeds budget 20ms by 5.1ms (26%)",
		Attempts: 1, Duration: window + 2*time.Second, Load: l, Latencies: lat,
		Objectives: []slo.Evaluation{
			{Objective: "p50 latency", Status: slo.Pass, Observed: q(0.0041, slo.UnitDuration), Budget: q(0.010, slo.UnitDuration), Margin: q(0.0059, slo.UnitDuration), MarginPercent: 59, Samples: len(lat), Reason: "p50 latency 4.1ms within budget 10ms (margin 5.9ms, 59%)"},
			{Objective: "p99 latency", Status: slo.Fail, Observed: q(0.0251, slo.UnitDuration), Budget: q(0.020, slo.UnitDuration), Margin: q(-0.0051, slo.UnitDuration), MarginPercent: -26, Samples: len(lat), Reason: "p99 latency 25.1ms exceeds budget 20ms by 5.1ms (26%)"},
			{Objective: "error rate", Status: slo.Pass, Observed: q(0.002, slo.UnitRatio), Budget: q(0.01, slo.UnitRatio), Margin: q(0.008, slo.UnitRatio), MarginPercent: 80, Samples: requests, Reason: "error rate 0.2% within budget 1%"},
		}}
	delays := []time.Duration{}
	for i := range 200 {
		delays = append(delays, 40*time.Millisecond+time.Duration(i%37)*3*time.Millisecond)
	}
	return &report.Report{
		RunID: "5f1c2e9a", Plan: "fixtures/demo/postflight.yaml", Name: "demo", Stack: "replica of fixtures/demo/compose.yaml (2 services)",
		NewImage: "postflight-demo:1.3.0", OldImage: "postflight-demo:1.0.0", Started: started, Duration: window + 40*time.Second,
		Checks: []result.Result{
			{Name: "writer-healthy", Kind: "http", Phase: "check", Target: "GET http://127.0.0.1:32980/healthz", Status: slo.Pass,
				Expected: "status 200", Observed: "status 200", Reason: "as expected", Attempts: 1, Duration: 3 * time.Millisecond},
			{Name: "packages", Kind: "packages", Phase: "check", Target: "postflight-demo:1.0.0 -> postflight-demo:1.3.0", Status: slo.Fail,
				Expected: "no change that is unexpected, removed, downgrade", Observed: "2 change(s)", Reason: "pypi eventlet 0.20.0 -> 0.20.1: upgrade, not in the expected list",
				Attempts: 1, Duration: 13 * time.Millisecond, Packages: &result.PackageDiff{Unchanged: 5, Changes: []result.PackageChange{
					{Ecosystem: "pypi", Name: "eventlet", Change: "upgraded", Old: "0.20.0", New: "0.20.1", Violation: "pypi eventlet 0.20.0 -> 0.20.1: upgrade, not in the expected list"},
					{Ecosystem: "deb", Name: "libssl3", Change: "upgraded", Old: "3.0.11-1~deb12u2", New: "3.0.15-1~deb12u1"},
				}}},
			loadCheck,
			{Name: "replicated-to-reader", Kind: "propagation", Phase: "check", Status: slo.Pass, Target: "PUT writer /kv/{token}, GET reader /kv/{token}",
				Expected: "propagation p50 <= 500ms", Observed: "200 samples shown", Reason: "all 1 objectives met", Attempts: 1, Duration: 4 * time.Second,
				Propagation: result.NewHistogram(delays),
				Objectives:  []slo.Evaluation{{Objective: "propagation p50", Status: slo.Pass, Observed: q(0.094, slo.UnitDuration), Budget: q(0.5, slo.UnitDuration), Margin: q(0.406, slo.UnitDuration), MarginPercent: 81, Samples: 200}}},
			{Name: "e2e", Kind: "ginkgo", Phase: "check", Status: slo.Inconclusive, Expected: "every spec passes", Observed: "3 spec(s)", Reason: "could not measure: 1 spec skipped",
				Parts: []result.Result{{Name: "answers 404 for a key never written", Status: slo.Pass}, {Name: "forgets a deleted key", Status: slo.Inconclusive, Reason: "skipped"}}},
		},
		Verdict: slo.Verdict{Status: slo.Fail, Reason: "2 of 5 checks failed: packages, kv-under-load", Passed: 2, Failed: 2, Inconclusive: 1},
		Rollback: &report.Rollback{Reason: "2 of 5 checks failed: packages, kv-under-load", Configured: true, Plan: "run sh -c 'echo rolling back'",
			Outcome: &change.Outcome{Driver: "command", Action: "ran the rollback command", ExitCode: 0, Duration: 7958 * time.Millisecond,
				Output: "rolling back writer,reader from postflight-demo:1.3.0 to postflight-demo:1.0.0\ndone\n",
				Steps: []change.Result{
					{Step: change.Step{Object: "writer", Action: change.ActionRecreate, From: "postflight-demo:1.3.0", To: "postflight-demo:1.0.0"}, Duration: 3 * time.Second},
					{Step: change.Step{Object: "reader", Action: change.ActionRecreate, From: "postflight-demo:1.3.0", To: "postflight-demo:1.0.0"}, Duration: 4 * time.Second},
					{Step: change.Step{Object: "sh -c 'echo rolling back'", Action: change.ActionRun}, Duration: 958 * time.Millisecond, Output: "rolling back"},
				}},
			Verify:        []result.Result{{Name: "writer-healthy", Kind: "http", Phase: "verify", Status: slo.Pass, Expected: "status 200", Observed: "status 200", Reason: "as expected", Attempts: 2, Duration: 8 * time.Millisecond}},
			VerifyVerdict: &slo.Verdict{Status: slo.Pass, Reason: "1 check passed", Passed: 1}},
		Outcome: report.RolledBack, ExitCode: 3, Summary: "ROLLED BACK and verified: 2 of 5 checks failed: packages, kv-under-load",
		Steps: []report.Step{
			{Name: "preflight", Started: started, Duration: 20 * time.Millisecond, Outcome: "done"},
			{Name: "pin images", Started: started.Add(20 * time.Millisecond), Duration: 30 * time.Millisecond, Outcome: "done"},
			{Name: "checks", Started: started.Add(50 * time.Millisecond), Duration: window + 9*time.Second, Outcome: "5 check(s)"},
			{Name: "verdict", Started: started.Add(window + 9050*time.Millisecond), Duration: time.Millisecond, Outcome: "fail"},
			{Name: "rollback", Started: started.Add(window + 9051*time.Millisecond), Duration: 12 * time.Second, Outcome: "done"},
			{Name: "stack down", Started: started.Add(window + 21051*time.Millisecond), Duration: 2 * time.Second, Outcome: "done"},
			{Name: "outcome", Started: started.Add(window + 23051*time.Millisecond), Duration: time.Millisecond, Outcome: "done"},
			{Name: "history", Started: started.Add(window + 23052*time.Millisecond), Duration: 40 * time.Millisecond, Outcome: "recorded in build/demo/history.db"},
		},
	}
}

func sampleComparisons() []history.Comparison {
	p := 0.002
	return []history.Comparison{
		{Check: "kv-under-load", Objective: "p99 latency", Outcome: history.Regression, Observed: 25.1, Baseline: 20.2, Unit: "ms", Change: 0.243, P: &p, Runs: 7,
			Reason: "p99 latency 25.1 ms vs 20.2 ms median of the last 7 runs, +24%, p = 0.002"},
		{Check: "kv-under-load", Objective: "error rate", Outcome: history.Steady, Observed: 0.2, Baseline: 0.2, Unit: "%", Runs: 7, Reason: "error rate 0.2 % vs 0.2 %, within 10%"},
		{Check: "replicated-to-reader", Objective: "propagation p50", Outcome: history.NoBaseline, Observed: 94, Unit: "ms", Runs: 2, Reason: "propagation p50: no baseline, 2 of 7 earlier runs"},
	}
}
