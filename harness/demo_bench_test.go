package harness_test

import (
	"context"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"
)

// BenchmarkDemoRunToVerifiedRollback runs the demo plan on the good version
// (1.0.0, passes) and on the broken one (1.1.0, reads answer 500) to a
// verified rollback, side by side in each iteration, with the plan's
// fail_fast as the demo has it (false: every check measured) and with the
// default (true). It reports both times, their ratio (the goal: a broken
// run within 1.5x of a good one) and the rollback's own time, from the
// driver's start to the verify checks' verdict.
func BenchmarkDemoRunToVerifiedRollback(b *testing.B) {
	dockertest.Client(b, "postflight-demo:1.0.0", "postflight-demo:1.1.0")
	for _, tt := range []struct {
		name     string
		failFast bool
	}{{"fail_fast", true}, {"every_check", false}} {
		b.Run(tt.name, func(b *testing.B) {
			var good, broken, rollback time.Duration
			for i := 0; i < b.N; i++ {
				d, _ := demoRun(b, "postflight-demo:1.0.0", tt.failFast, report.Passed)
				good += d
				d, rep := demoRun(b, "postflight-demo:1.1.0", tt.failFast, report.RolledBack)
				broken += d
				rollback += rep.Rollback.Outcome.Duration
			}
			n := float64(b.N)
			b.ReportMetric(good.Seconds()/n, "s/good-run")
			b.ReportMetric(broken.Seconds()/n, "s/rolled-back-run")
			b.ReportMetric(rollback.Seconds()/n, "s/rollback-verified")
			b.ReportMetric(broken.Seconds()/good.Seconds(), "x-of-good")
		})
	}
}

// demoRun runs the demo plan on image and returns how long the run took,
// failing unless it ended in want (a rollback verified by its checks).
func demoRun(b *testing.B, image string, failFast bool, want report.Outcome) (time.Duration, *report.Report) {
	b.Helper()
	p := loadPlan(b, demoPlan)
	p.Policy.FailFast = &failFast
	start := time.Now()
	rep, err := harness.Run(context.Background(), p, harness.Options{NewImage: image, OldImage: "postflight-demo:1.0.0", ReportDir: b.TempDir()})
	d := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if rep.Outcome != want {
		b.Fatalf("%s: outcome %s, want %s: %s", image, rep.Outcome, want, rep.Summary)
	}
	if want == report.RolledBack && (rep.Rollback == nil || rep.Rollback.VerifyVerdict == nil || rep.Rollback.VerifyVerdict.Status != slo.Pass) {
		b.Fatalf("%s: rollback not verified: %+v", image, rep.Rollback)
	}
	return d, rep
}
