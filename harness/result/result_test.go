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
		f      slo.Finding
		want   slo.Status
		reason string
	}{
		{"pass then unmeasured", Result{Status: slo.Pass, Reason: "ok"}, slo.NotMeasured("why"), slo.Inconclusive, "could not measure: why"},
		{"fail then unmeasured", Result{Status: slo.Fail, Reason: "p99 over"}, slo.NotMeasured("why"), slo.Fail, "p99 over; could not measure: why"},
		{"pass then fail", Result{Status: slo.Pass, Reason: "ok"}, slo.Missed("why"), slo.Fail, "why"},
		{"inconclusive then held changes nothing", Result{Status: slo.Inconclusive, Reason: "x"}, slo.Met("why"), slo.Inconclusive, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.start.Also(tt.f)
			if got.Status != tt.want || got.Reason != tt.reason {
				t.Fatalf("got %s %q, want %s %q", got.Status, got.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestConfirmJudgesOnlyAPass(t *testing.T) {
	if got := (Result{Status: slo.Pass, Reason: "ok"}).Confirm(slo.Missed("no answer was right")); got.Status != slo.Fail || got.Reason != "no answer was right" {
		t.Fatalf("a pass without its evidence: got %s %q", got.Status, got.Reason)
	}
	if got := (Result{Status: slo.Fail, Reason: "p99 over"}).Confirm(slo.Missed("no answer was right")); got.Status != slo.Fail || got.Reason != "p99 over" {
		t.Fatalf("a fail: got %s %q, want it as it was", got.Status, got.Reason)
	}
	if got := (Result{Status: slo.Inconclusive, Reason: "few samples"}).Confirm(slo.Missed("no answer was right")); got.Status != slo.Inconclusive || got.Reason != "few samples" {
		t.Fatalf("an inconclusive: got %s %q, want it as it was", got.Status, got.Reason)
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
