package rollout

import (
	"testing"
	"time"
)

// between is the time from the first entry of event from to the first
// entry of event to after it, in a journal.
func between(entries []Entry, from, to Event) time.Duration {
	var start time.Time
	for _, e := range entries {
		switch {
		case e.Event == from && start.IsZero():
			start = e.Time
		case e.Event == to && !start.IsZero():
			return e.Time.Sub(start)
		}
	}
	return 0
}

// BenchmarkCanaryStep: one step of a rollout of 3 tasks on the one-node
// swarm, from its journaled change to its judgement (convergence of the
// canary and the stable service, the 500ms interval, the step's three
// checks with a 2s load), and the promotion from its decision to its
// verification; from the journal's own times.
func BenchmarkCanaryStep(b *testing.B) {
	var steps, stepTime, converge, promotion time.Duration
	for range b.N {
		b.StopTimer()
		service := stableService(b, 3)
		p := canaryPlan(b, service, "")
		b.StartTimer()
		out, err := Start(bounded(b), p, Options{NewImage: demoGood})
		if err != nil || out.Outcome != OutcomePromoted {
			b.Fatalf("%v %+v", err, out)
		}
		entries := journalOf(b, p)
		var start time.Time
		for _, e := range entries {
			switch e.Event {
			case EventStep:
				start = e.Time
			case EventConverged:
				converge += e.Time.Sub(start)
			case EventJudged:
				if e.Decision == Advance {
					stepTime += e.Time.Sub(start)
					steps++
				}
			}
		}
		promotion += between(entries, EventPromoting, EventVerified)
	}
	b.ReportMetric(stepTime.Seconds()/float64(steps), "s/step")
	b.ReportMetric(converge.Seconds()/float64(steps), "s/step-converge")
	b.ReportMetric(promotion.Seconds()/float64(b.N), "s/promotion")
}

// BenchmarkCanaryAbortToVerifiedRollback: a latency regression aborted at
// its first step, from the journaled abort to the verified rollback (3
// stable tasks back on the old image, the canary removed, the verify
// checks against each stable task).
func BenchmarkCanaryAbortToVerifiedRollback(b *testing.B) {
	var total time.Duration
	for range b.N {
		b.StopTimer()
		service := stableService(b, 3)
		p := canaryPlan(b, service, "")
		b.StartTimer()
		out, err := Start(bounded(b), p, Options{NewImage: demoSlow})
		if err != nil || out.Outcome != OutcomeRolledBack {
			b.Fatalf("%v %+v", err, out)
		}
		total += between(journalOf(b, p), EventAborting, EventVerified)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/abort-to-verified")
}
