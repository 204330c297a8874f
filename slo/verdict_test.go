package slo

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name       string
		in         []Outcome
		want       Status
		reasonHas  string
		rollback   bool
		rollbackIf bool // with OnInconclusive
	}{
		{"no checks is inconclusive, not pass", nil, Inconclusive, "no check ran", false, true},
		{"all pass", []Outcome{{"a", Pass, ""}, {"b", Pass, ""}}, Pass, "all 2 checks passed", false, false},
		{"one fail fails the run", []Outcome{{"a", Pass, ""}, {"b", Fail, ""}}, Fail, "1 of 2 checks failed: b", true, true},
		{"inconclusive is not pass", []Outcome{{"a", Pass, ""}, {"b", Inconclusive, ""}}, Inconclusive, "could not measure: b", false, true},
		{"fail outranks inconclusive and names both", []Outcome{{"a", Inconclusive, ""}, {"b", Fail, ""}}, Fail, "inconclusive: a", true, true},
		{"a failure's reason is quoted", []Outcome{{"lat", Fail, "p99 latency 412ms exceeds budget 250ms by 162ms (65%)"}}, Fail, "failed: lat (p99 latency 412ms exceeds budget 250ms by 162ms (65%))", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide(tt.in)
			if v.Status != tt.want {
				t.Fatalf("status = %v, want %v", v.Status, tt.want)
			}
			if !strings.Contains(v.Reason, tt.reasonHas) {
				t.Errorf("reason %q does not contain %q", v.Reason, tt.reasonHas)
			}
			if got := (RollbackPolicy{}).ShouldRollBack(v); got != tt.rollback {
				t.Errorf("ShouldRollBack (hold) = %v, want %v", got, tt.rollback)
			}
			if got := (RollbackPolicy{OnInconclusive: true}).ShouldRollBack(v); got != tt.rollbackIf {
				t.Errorf("ShouldRollBack (rollback on inconclusive) = %v, want %v", got, tt.rollbackIf)
			}
		})
	}
}

func TestStatusJSONRoundTrip(t *testing.T) {
	for _, s := range []Status{Pass, Fail, Inconclusive} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `"`+s.String()+`"` {
			t.Errorf("marshal %v = %s", s, b)
		}
		var back Status
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("round trip %v = %v, %v", s, back, err)
		}
	}
	var s Status
	if err := json.Unmarshal([]byte(`"maybe"`), &s); err == nil {
		t.Error("unknown status decoded without error")
	}
	if Worst(Pass, Inconclusive, Pass) != Inconclusive || Worst(Inconclusive, Fail) != Fail || Worst() != Pass {
		t.Error("Worst does not rank fail > inconclusive > pass")
	}
}

// A status nobody set is inconclusive: a check that forgot to judge is
// never a pass, and a run of such checks never passes.
func TestUnsetStatusIsNeverAPass(t *testing.T) {
	var s Status
	if s != Inconclusive || s.String() != "inconclusive" {
		t.Fatalf("zero Status = %s", s)
	}
	if v := Decide([]Outcome{{Name: "forgot"}}); v.Status != Inconclusive {
		t.Fatalf("verdict of an unjudged check: %s (%s)", v.Status, v.Reason)
	}
	if w := Worst(Pass, Inconclusive); w != Inconclusive {
		t.Fatalf("Worst(pass, inconclusive) = %s", w)
	}
	if w := Worst(Inconclusive, Fail, Pass); w != Fail {
		t.Fatalf("Worst(inconclusive, fail, pass) = %s", w)
	}
	if w := Worst(); w != Pass {
		t.Fatalf("Worst() = %s", w)
	}
}
