package rollout

import (
	"strings"
	"testing"
)

// Where a journal leaves a rollout decides what a resume does: each case
// is a journal cut where a killed canary could have left it.
func TestJournalPositionForResume(t *testing.T) {
	d := &Decision{Steps: []Step{{Step: 1, Tasks: []int{1}}, {Step: 2, Tasks: []int{2}}, {Step: 3, Tasks: []int{3}}}}
	decided := Entry{Event: EventDecided, Plan: d}
	step := func(n int) Entry { return Entry{Event: EventStep, Step: n} }
	judged := func(n int, decision string) Entry { return Entry{Event: EventJudged, Step: n, Decision: decision} }
	control := func(n int, decision, id string) Entry {
		return Entry{Event: EventControl, Step: n, Decision: decision, Request: id, By: "person"}
	}
	tests := []struct {
		name    string
		entries []Entry
		want    position
		applied int
	}{
		{"decided only: enter step 1", []Entry{decided}, position{step: 0}, -1},
		{"killed mid-step: enter it again", []Entry{decided, step(1), {Event: EventConverged, Step: 1}}, position{step: 0}, 0},
		{"step passed: enter the next", []Entry{decided, step(1), judged(1, Advance)}, position{step: 1}, 0},
		{"paused", []Entry{decided, step(1), judged(1, Pause)}, position{step: 0, action: Pause}, 0},
		{"a person resumed the pause", []Entry{decided, step(1), judged(1, Pause), control(1, Resume, "r1")}, position{step: 1}, 0},
		{"a resume that found no pause changes nothing", []Entry{decided, step(1), control(1, "", "r1")}, position{step: 0}, 0},
		{"the policy aborted", []Entry{decided, step(1), judged(1, Abort)}, position{step: 0, action: Abort}, 0},
		{"a person aborted", []Entry{decided, step(1), judged(1, Pause), control(1, Abort, "r1")}, position{step: 0, action: Abort}, 0},
		{"a person promoted at step 2", []Entry{decided, step(1), judged(1, Advance), step(2), control(2, Promote, "r1")}, position{step: 1, action: Promote}, 1},
		{"an abort is never turned into a promotion", []Entry{decided, step(1), judged(1, Abort), control(1, Promote, "r1")}, position{step: 0, action: Abort}, 0},
		{"the last step promotes", []Entry{decided, step(1), judged(1, Advance), step(2), judged(2, Advance), judged(3, Promote)}, position{step: 2, action: Promote}, 1},
		{"a promotion whose verification failed is rolled back", []Entry{decided, step(1), judged(1, Advance), step(2), judged(2, Advance), judged(3, Promote),
			{Event: EventPromoting, Step: 3}, {Event: EventPromoted, Step: 3}, {Event: EventVerified, Step: 3}, {Event: EventAborting, Step: 3, Reason: "verification"}}, position{step: 2, action: Abort, reason: "verification"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &rollout{seen: map[string]bool{}, applied: -1}
			for _, e := range tt.entries {
				r.track(e)
			}
			got := r.pos
			got.reason = strings.TrimSpace(got.reason)
			if got.step != tt.want.step || got.action != tt.want.action || (tt.want.reason != "" && got.reason != tt.want.reason) {
				t.Errorf("position %+v, want %+v", got, tt.want)
			}
			if r.applied != tt.applied {
				t.Errorf("applied step index %d, want %d", r.applied, tt.applied)
			}
		})
	}
}
