package slo

import (
	"errors"
	"testing"
)

func TestJudgeDecidesFromFindingsAlone(t *testing.T) {
	tests := []struct {
		name   string
		in     []Finding
		want   Status
		reason string
	}{
		{"no findings is inconclusive, never a pass", nil, Inconclusive, "could not measure: nothing measured"},
		{"one that held passes with its note", []Finding{Met("as expected")}, Pass, "as expected"},
		{"all held pass", []Finding{Met("a"), Met("b"), Met("c")}, Pass, "all 3 held"},
		{"one unmeasured among passes is inconclusive", []Finding{Met("a"), NotMeasured("no answer"), Met("c")}, Inconclusive, "no answer"},
		{"any miss fails", []Finding{Met("a"), Missed("status 500, want 200")}, Fail, "status 500, want 200"},
		{"a miss outranks an unmeasured, both said in order", []Finding{NotMeasured("timeout"), Met("a"), Missed("status 500")}, Fail, "timeout; status 500"},
		{"a zero finding is no pass", []Finding{{}}, Fail, ""},
		{"a held finding with a cause could not be measured", []Finding{{Held: true, Cause: errors.New("registry down"), Note: "registry down"}}, Inconclusive, "registry down"},
		{"Held says either way", []Finding{Held(true, "ok"), Held(false, "tag latest")}, Fail, "tag latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Judge(tt.in, Wording{})
			if j.Status != tt.want || j.Reason != tt.reason {
				t.Fatalf("got %s %q, want %s %q", j.Status, j.Reason, tt.want, tt.reason)
			}
			if n := len(j.Held) + len(j.Missed) + len(j.Unmeasured); n != len(tt.in) {
				t.Fatalf("%d findings sorted, want %d", n, len(tt.in))
			}
			if len(j.NotHeld) != len(j.Missed)+len(j.Unmeasured) {
				t.Fatalf("NotHeld has %d, want %d", len(j.NotHeld), len(j.Missed)+len(j.Unmeasured))
			}
		})
	}
}

func TestJudgeWordsInTheChecksWordsButDecidesItself(t *testing.T) {
	w := Wording{
		Held:       func(j Judgement) string { return "held" },
		Missed:     func(j Judgement) string { return "missed " + Notes(j.Missed) },
		Unmeasured: func(j Judgement) string { return "unsure " + Notes(j.Unmeasured) },
		Nothing:    "nothing to look at",
	}
	tests := []struct {
		in     []Finding
		want   Status
		reason string
	}{
		{nil, Inconclusive, "nothing to look at"},
		{[]Finding{Met("x")}, Pass, "held"},
		{[]Finding{Met("x"), Missed("y"), NotMeasured("z")}, Fail, "missed y"},
		{[]Finding{Met("x"), NotMeasured("z")}, Inconclusive, "unsure z"},
	}
	for _, tt := range tests {
		if j := Judge(tt.in, w); j.Status != tt.want || j.Reason != tt.reason {
			t.Errorf("%v: got %s %q, want %s %q", tt.in, j.Status, j.Reason, tt.want, tt.reason)
		}
	}
}

func TestNotMeasuredIsTypedAndFoundKeepsAStatus(t *testing.T) {
	f := NotMeasured("registry down")
	if !errors.Is(f.Cause, ErrNotMeasured) || f.Cause.Error() != "registry down" || f.Note != "registry down" {
		t.Fatalf("cause %v (is ErrNotMeasured: %v), note %q", f.Cause, errors.Is(f.Cause, ErrNotMeasured), f.Note)
	}
	for _, s := range []Status{Pass, Fail, Inconclusive, Status(7)} {
		want := s
		if s == Status(7) {
			want = Inconclusive
		}
		if got := Found(s, "n").Judge(); got.Status != want || got.Reason != "n" {
			t.Errorf("Found(%s): judged %s %q, want %s %q", s, got.Status, got.Reason, want, "n")
		}
	}
}

func TestAlsoAndConfirmJudgeOnTopOfAJudgement(t *testing.T) {
	pass := Judgement{Status: Pass, Reason: "all 2 objectives within budget"}
	fail := Judgement{Status: Fail, Reason: "p99 over"}
	unsure := Judgement{Status: Inconclusive, Reason: "too few samples"}
	tests := []struct {
		name   string
		got    Judgement
		want   Status
		reason string
	}{
		{"a pass and a held finding pass", pass.Also(Met("x")), Pass, pass.Reason},
		{"a pass and a miss fail, on the miss", pass.Also(Missed("lost writes")), Fail, "lost writes"},
		{"a fail and a miss say both", fail.Also(Missed("lost writes")), Fail, "p99 over; lost writes"},
		{"a fail and an unmeasured stay failed", fail.Also(NotMeasured("echo")), Fail, "p99 over; could not measure: echo"},
		{"a pass and an unmeasured are inconclusive", pass.Also(NotMeasured("echo")), Inconclusive, "could not measure: echo"},
		{"an inconclusive and a miss fail", unsure.Also(Missed("lost writes")), Fail, "lost writes"},
		{"confirm fails a pass without its evidence", pass.Confirm(Missed("no answer was right")), Fail, "no answer was right"},
		{"confirm leaves a fail alone", fail.Confirm(Missed("no answer was right")), Fail, "p99 over"},
		{"confirm leaves an inconclusive alone", unsure.Confirm(Missed("no answer was right")), Inconclusive, "too few samples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.Status != tt.want || tt.got.Reason != tt.reason {
				t.Fatalf("got %s %q, want %s %q", tt.got.Status, tt.got.Reason, tt.want, tt.reason)
			}
		})
	}
}
