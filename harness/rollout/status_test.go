package rollout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// The status and the reports show who decided what and why, with every
// objective against its budget.
func TestStatusShowsDecisionsObjectivesAndWho(t *testing.T) {
	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	obj := slo.Evaluate([]slo.Objective{slo.LatencyObjective(0.5, slo.Latency(50*time.Millisecond))},
		slo.Measurements{Latencies: []time.Duration{300 * time.Millisecond, 301 * time.Millisecond, 302 * time.Millisecond}})
	st := Status{Journal: "state/canary/x/journal.jsonl", State: StateFinished, Outcome: OutcomeRolledBack, Entries: []Entry{
		{Time: at, Event: EventDecided, By: "person", Who: &Who{User: "alice", PID: 7, Host: "ci"}, Reason: "roll shop_api out to shop:1.4.0 in 3 step(s)",
			Plan: &Decision{RunID: "canary-1", Table: "STEP  PERCENT ASKED  TASKS\n1     30%            1 of 3 (33.33%)\n"}},
		{Time: at, Event: EventStep, Step: 1, By: "policy", Reason: "step 1 of 3", Changes: []Change{{Service: "shop_api-canary", From: 0, To: 1, Image: "shop:1.4.0"}}},
		{Time: at, Event: EventConverged, Step: 1, Tasks: []Task{{Service: "shop_api-canary", ID: "abcdefabcdef123", Slot: 1, Node: "node1", Addr: "10.0.0.1", Image: "shop:1.4.0", State: "running"}}},
		{Time: at, Event: EventJudged, Step: 1, By: "policy", Decision: Pause, Reason: "step 1 inconclusive",
			Checks: []result.Result{{Name: "latency", Status: slo.Fail, Reason: "p50 over", Objectives: obj}}},
		{Time: at, Event: EventControl, Step: 1, By: "person", Decision: Abort, Who: &Who{User: "bob", PID: 9, Host: "laptop"}, Reason: "bob asked to abort at step 1", Request: "1-abort-9.json"},
		{Time: at, Event: EventFinished, Step: 1, Outcome: OutcomeRolledBack, ExitCode: 3, Reason: "aborted at step 1"},
	}}
	text := st.Text()
	for _, want := range []string{
		"rollout canary-1: finished, rolled back",
		"roll shop_api out to shop:1.4.0 in 3 step(s) (by alice (pid 7 on ci))",
		"1     30%            1 of 3 (33.33%)",
		"change: shop_api-canary 0 -> 1 task(s) on shop:1.4.0",
		"task shop_api-canary.1 abcdefabcdef on node node1 (10.0.0.1): shop:1.4.0 running",
		"step 1 inconclusive -> pause (by policy)",
		"FAIL         p50 latency 301ms exceeds budget 50ms",
		"bob asked to abort at step 1 -> abort (by bob (pid 9 on laptop))",
		"outcome: rolled back (exit 3)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("status has no %q:\n%s", want, text)
		}
	}
	dir := t.TempDir()
	if err := WriteReports(dir, st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "canary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Status
	if err := json.Unmarshal(b, &back); err != nil || len(back.Entries) != len(st.Entries) || back.Entries[4].Who.User != "bob" || back.Entries[3].Checks[0].Objectives[0].Status != slo.Fail {
		t.Errorf("canary.json does not hold the journal: %v\n%s", err, b)
	}
	if txt, err := os.ReadFile(filepath.Join(dir, "canary.txt")); err != nil || string(txt) != text {
		t.Errorf("canary.txt differs from the status: %v", err)
	}
}
