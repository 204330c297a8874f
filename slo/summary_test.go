package slo

import "testing"

func TestSummarize(t *testing.T) {
	pass := Evaluation{Objective: "p99 latency", Status: Pass, Reason: "p99 ok"}
	fail := Evaluation{Objective: "error rate", Status: Fail, Reason: "error rate bad"}
	unsure := Evaluation{Objective: "throughput", Status: Inconclusive, Reason: "throughput: no samples"}
	tests := []struct {
		name   string
		in     []Evaluation
		want   Status
		reason string
	}{
		{"no objectives is inconclusive, not pass", nil, Inconclusive, "no objectives to judge"},
		{"one pass", []Evaluation{pass}, Pass, "1 objective within budget"},
		{"all pass", []Evaluation{pass, pass}, Pass, "all 2 objectives within budget"},
		{"any fail fails", []Evaluation{pass, fail}, Fail, "error rate bad"},
		{"inconclusive is not pass", []Evaluation{pass, unsure}, Inconclusive, "throughput: no samples"},
		{"fail outranks inconclusive, both named", []Evaluation{unsure, pass, fail}, Fail, "error rate bad; throughput: no samples"},
		{"unknown status is inconclusive", []Evaluation{{Status: Status(7), Reason: "?"}}, Inconclusive, "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := Summarize(tt.in)
			if got != tt.want || reason != tt.reason {
				t.Errorf("Summarize = %v %q, want %v %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}
