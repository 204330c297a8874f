package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/nettest"
)

// commandPlan writes an existing-stack plan whose rollback runs script.
func commandPlan(t *testing.T, script string) string {
	t.Helper()
	return argvPlan(t, t.TempDir(), []string{"sh", "-c", script}, "state")
}

// Two rollbacks of one target at once: exactly one rolls back; the other
// waits out the lock timeout and ends inconclusive, naming the holder.
func TestConcurrentRollbacksOfOneTarget(t *testing.T) {
	path := commandPlan(t, "echo rolled >> ran; sleep 1.5")
	var wg sync.WaitGroup
	reps := make([]*report.Report, 2)
	for i := range reps {
		wg.Go(func() {
			rep, err := harness.RollBack(context.Background(), loadPlan(t, path), harness.Options{OldImage: "app:1"})
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		})
	}
	wg.Wait()
	var rolled, locked int
	for _, rep := range reps {
		switch {
		case rep == nil:
		case rep.Outcome == report.RolledBack:
			rolled++
		case rep.Outcome == report.Inconclusive && rep.Rollback.Locked && strings.Contains(rep.Summary, "is being rolled back by"):
			locked++
		default:
			t.Errorf("outcome %s: %s", rep.Outcome, rep.Summary)
		}
	}
	if rolled != 1 || locked != 1 {
		t.Fatalf("%d rolled back, %d found it locked; want 1 and 1", rolled, locked)
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "ran"))
	if n := strings.Count(string(b), "rolled"); n != 1 {
		t.Errorf("the rollback command ran %d times", n)
	}
}

func TestRollBackByHand(t *testing.T) {
	path := commandPlan(t, `echo "$POSTFLIGHT_OLD_IMAGE: $POSTFLIGHT_REASON" > ran`)
	p := loadPlan(t, path)
	if _, err := harness.RollBack(context.Background(), p, harness.Options{}); err == nil || !strings.Contains(err.Error(), "give --old") {
		t.Errorf("no old image: %v", err)
	}
	rep, err := harness.RollBack(context.Background(), p, harness.Options{OldImage: "app:1", DryRun: true})
	if err != nil || rep.Outcome != report.Failed || rep.Rollback.Outcome == nil || !rep.Rollback.Outcome.DryRun {
		t.Fatalf("dry run: %v %+v", err, rep)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "ran")); err == nil {
		t.Fatal("a dry run ran the command")
	}
	rep, err = harness.RollBack(context.Background(), p, harness.Options{OldImage: "app:1"})
	if err != nil || rep.Outcome != report.RolledBack || rep.ExitCode != 3 {
		t.Fatalf("rollback: %v %+v", err, rep)
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "ran"))
	if !strings.HasPrefix(string(b), "app:1: rollback asked for by hand") {
		t.Errorf("the command saw %q", b)
	}
	rep, err = harness.ResumeRollbacks(context.Background(), p, harness.Options{OldImage: "app:1"})
	if err != nil || rep.Outcome != report.Passed || !strings.Contains(rep.Summary, "no unfinished rollback") {
		t.Errorf("resume with nothing to resume: %v %+v", err, rep)
	}
}

func TestResumeNeedsARollbackDriver(t *testing.T) {
	p, _ := existingPlan(t, nettest.RefusedURL(t), "hold", false)
	p.Rollback = plan.Rollback{}
	_, err := harness.ResumeRollbacks(context.Background(), p, harness.Options{OldImage: "app:1"})
	if err == nil || !strings.Contains(err.Error(), "configures no rollback to resume") || strings.Contains(err.Error(), "<nil>") {
		t.Errorf("err %v", err)
	}
}

// argvPlan writes, in dir, an existing-stack plan whose rollback runs argv
// with its journals and locks in stateDir.
func argvPlan(t *testing.T, dir string, argv []string, stateDir string) string {
	t.Helper()
	var quoted []string
	for _, a := range argv {
		quoted = append(quoted, fmt.Sprintf("%q", a))
	}
	src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: health, kind: http, service: web, timeout: 200ms}
rollback:
  driver: command
  command: [%s]
  state_dir: %q
  lock_timeout: 300ms
`, nettest.RefusedURL(t), strings.Join(quoted, ", "), stateDir)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A rollback command that cannot start (missing, not executable) rolled
// nothing back: both the rollback and its resume are failed rollbacks that
// say why, never "rolled back".
func TestRollbackCommandThatCannotStartFails(t *testing.T) {
	for _, tt := range []struct{ name, script string }{
		{"missing script", ""},
		{"script not executable", "#!/bin/sh\nexit 0\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.script != "" {
				if err := os.WriteFile(filepath.Join(dir, "rollback.sh"), []byte(tt.script), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p := loadPlan(t, argvPlan(t, dir, []string{"./rollback.sh"}, "state"))
			rep, err := harness.RollBack(context.Background(), p, harness.Options{OldImage: "app:1"})
			if err != nil || rep.ExitCode != 5 || !strings.Contains(rep.Summary, "rollback.sh") {
				t.Fatalf("rollback: %v, exit %d: %s", err, rep.ExitCode, rep.Summary)
			}
			rep, err = harness.ResumeRollbacks(context.Background(), p, harness.Options{OldImage: "app:1"})
			if err != nil || rep.ExitCode != 5 || rep.Outcome != report.RollbackFailed || !strings.Contains(rep.Summary, "rollback.sh") {
				t.Fatalf("resume: %v, exit %d: %s", err, rep.ExitCode, rep.Summary)
			}
		})
	}
}

// A resume with plan B converges plan B's rollbacks only: plan A's
// unfinished journal in the same state directory is left as it was.
func TestResumeTouchesOnlyItsOwnPlansJournals(t *testing.T) {
	state, ran := t.TempDir(), filepath.Join(t.TempDir(), "ran")
	dirA, dirB := t.TempDir(), t.TempDir()
	planA := loadPlan(t, argvPlan(t, dirA, []string{"sh", "-c", `echo A >> "` + ran + `"; exit 1`}, state))
	planB := loadPlan(t, argvPlan(t, dirB, []string{"sh", "-c", `echo B >> "` + ran + `"`}, state))
	if rep, err := harness.RollBack(context.Background(), planA, harness.Options{OldImage: "app:1"}); err != nil || rep.ExitCode != 5 {
		t.Fatalf("plan A's rollback: %v %+v", err, rep)
	}
	pending, err := filepath.Glob(filepath.Join(state, "journal", "*.jsonl"))
	if err != nil || len(pending) != 1 {
		t.Fatalf("journals %v, %v", pending, err)
	}
	before, _ := os.ReadFile(pending[0])

	rep, err := harness.ResumeRollbacks(context.Background(), planB, harness.Options{OldImage: "app:1"})
	if err != nil || rep.ExitCode != 0 || !strings.Contains(rep.Summary, "no unfinished rollback") {
		t.Errorf("resume of plan B: %v, exit %d: %s", err, rep.ExitCode, rep.Summary)
	}
	if b, _ := os.ReadFile(ran); string(b) != "A\n" {
		t.Errorf("commands that ran: %q, want plan A's once", b)
	}
	if after, err := os.ReadFile(pending[0]); err != nil || string(after) != string(before) {
		t.Errorf("plan A's journal changed: %v\n%s", err, after)
	}
}
