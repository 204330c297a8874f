package imagecheck_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/imagecheck"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// A registry that accepts connections and never answers is inconclusive
// after about integrity.timeout, for both images at once, and says so.
func TestIntegritySilentRegistryIsInconclusiveWithinItsTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	host := nettest.SilentAddr(t)
	c := plan.Check{Name: "integrity", Kind: plan.KindIntegrity, Integrity: &plan.IntegritySpec{
		Images:  []string{"new", "old"},
		Timeout: plan.Duration{Duration: timeout, Set: true},
	}}
	// The guard only keeps a regression from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res := imagecheck.Integrity(ctx, c, "check", imagecheck.Env{NewImage: host + "/app:2", OldImage: host + "/app:1"})
	took := time.Since(start)
	t.Logf("%s after %s: %s", res.Status, took.Round(time.Millisecond), res.Reason)
	if res.Status != slo.Inconclusive {
		t.Fatalf("status %s, want inconclusive: %s", res.Status, res.Reason)
	}
	if took > 4*timeout {
		t.Errorf("took %s, want about the timeout %s", took, timeout)
	}
	for _, want := range []string{"timeout", "500ms", "integrity.timeout", "app:1", "app:2"} {
		if !strings.Contains(res.Reason, want) {
			t.Errorf("reason lacks %q: %s", want, res.Reason)
		}
	}
}
