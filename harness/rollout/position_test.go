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

func TestEndpointsPinOneTaskPerRun(t *testing.T) {
	tasks := map[string][]Task{
		"writer": {{ID: "a", Slot: 1, Addr: "10.0.0.1", Ports: map[int]int{8080: 30001}}, {ID: "b", Slot: 2, Addr: "10.0.0.2", Ports: map[int]int{8080: 30002}}},
		"reader": {{ID: "c", Slot: 1, Addr: "10.0.0.3", Ports: map[int]int{8080: 30003, 9090: 30004}}},
	}
	all := sides(tasks, nil)
	if len(all) != 2 {
		t.Fatalf("%d runs, want one per writer task", len(all))
	}
	for i, want := range []string{"http://10.0.0.1:30001", "http://10.0.0.2:30002"} {
		for range 3 { // every call of a run reaches the same task
			if got, err := all[i].BaseURL("writer", 0); got != want || err != nil {
				t.Errorf("run %d: writer %q, %v; want %q", i, got, err, want)
			}
		}
	}
	if got, err := all[1].BaseURL("reader", 9090); got != "http://10.0.0.3:30004" || err != nil {
		t.Errorf("reader:9090 %q, %v", got, err)
	}
	if _, err := all[0].BaseURL("reader", 0); err == nil || !strings.Contains(err.Error(), "name one in the check's port") {
		t.Errorf("reader with two ports and none named: %v", err)
	}
	if _, err := all[0].BaseURL("writer", 9999); err == nil || !strings.Contains(err.Error(), "publishes no port 9999") {
		t.Errorf("writer:9999: %v", err)
	}
	if got := all[1].String(); got != "reader.1, writer.2" {
		t.Errorf("run names %q", got)
	}
	many := map[string][]Task{"w": make([]Task, 7)}
	if n := len(sides(many, nil)); n != MaxTasksChecked {
		t.Errorf("%d runs for 7 tasks, want %d", n, MaxTasksChecked)
	}
}
