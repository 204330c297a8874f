package result

import (
	"strings"
	"testing"

	"github.com/postflight/postflight/slo"
)

func TestUnmeasuredIsInconclusiveWithTheCause(t *testing.T) {
	r := Result{Name: "home", Status: slo.Pass}.Unmeasuredf("no answer in %d attempt(s)", 3)
	if r.Status != slo.Inconclusive || r.Reason != "could not measure: no answer in 3 attempt(s)" || r.Observed != "no measurement" {
		t.Fatalf("got %+v", r)
	}
	kept := Result{Observed: "503"}.Unmeasured("x")
	if kept.Observed != "503" {
		t.Fatalf("observed overwritten: %q", kept.Observed)
	}
}

func TestAlsoKeepsTheWorseAndSaysBoth(t *testing.T) {
	tests := []struct {
		name   string
		start  Result
		s      slo.Status
		want   slo.Status
		reason string
	}{
		{"pass then unmeasured", Result{Status: slo.Pass, Reason: "ok"}, slo.Inconclusive, slo.Inconclusive, "could not measure: why"},
		{"fail then unmeasured", Result{Status: slo.Fail, Reason: "p99 over"}, slo.Inconclusive, slo.Fail, "p99 over; could not measure: why"},
		{"pass then fail", Result{Status: slo.Pass, Reason: "ok"}, slo.Fail, slo.Fail, "why"},
		{"inconclusive then pass", Result{Status: slo.Inconclusive, Reason: "x"}, slo.Pass, slo.Inconclusive, "why"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.start.Also(tt.s, "why")
			if got.Status != tt.want || got.Reason != tt.reason {
				t.Fatalf("got %s %q, want %s %q", got.Status, got.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestSafeBoundsAndCleansText(t *testing.T) {
	r := Result{Reason: "\x1b[2Kpassed" + strings.Repeat("x", 10000), Target: "http://user:secret@host/"}.Safe()
	if strings.Contains(r.Reason, "\x1b") || len(r.Reason) > maxResultText+64 {
		t.Fatalf("reason not made safe: %d bytes %q", len(r.Reason), r.Reason[:20])
	}
	if strings.Contains(r.Target, "secret") {
		t.Fatalf("target keeps a credential: %q", r.Target)
	}
}
