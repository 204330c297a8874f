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
	dir := t.TempDir()
	src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: health, kind: http, service: web, timeout: 200ms}
rollback:
  driver: command
  command: [sh, -c, %q]
  state_dir: state
  lock_timeout: 300ms
`, nettest.RefusedURL(t), script)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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
