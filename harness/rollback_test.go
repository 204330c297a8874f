package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	return rollbackPlan(t, dir, fmt.Sprintf(`  driver: command
  command: [%s]
  state_dir: %q
  lock_timeout: 300ms
`, strings.Join(quoted, ", "), stateDir))
}

// rollbackPlan writes, in dir, an existing-stack plan whose rollback
// section is rollback (indented lines).
func rollbackPlan(t *testing.T, dir, rollback string) string {
	t.Helper()
	src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: health, kind: http, service: web, timeout: 200ms}
rollback:
%s`, nettest.RefusedURL(t), rollback)
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

// A webhook URL's query token and a receiver's echoed headers and terminal
// escapes appear nowhere: not in the error, the console, the progress
// lines, the reports or the journal.
func TestRollbackWebhookSecretsAppearNowhere(t *testing.T) {
	const token = "s3cretTOKEN"
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "\x1b[2J\x00denied; you sent Authorization: Bearer %s\n", token)
	}))
	t.Cleanup(hostile.Close)
	for _, tt := range []struct{ name, url string }{
		{"dead port", nettest.RefusedURL(t) + "/rb?token=" + token},
		{"receiver echoing secrets", hostile.URL + "/rb?token=" + token},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, state := t.TempDir(), t.TempDir()
			t.Setenv("PF_TEST_WEBHOOK_SECRET", "signing-key")
			path := rollbackPlan(t, dir, fmt.Sprintf(`  driver: webhook
  webhook: {url: %q, secret_env: PF_TEST_WEBHOOK_SECRET, attempts: 2, backoff: 10ms}
  state_dir: %q
`, tt.url, state))
			var console, progress strings.Builder
			opts := harness.Options{OldImage: "app:1", ReportDir: filepath.Join(dir, "reports"), Console: &console, Progress: &progress}
			rep, err := harness.RollBack(context.Background(), loadPlan(t, path), opts)
			if err != nil || rep.ExitCode != 5 {
				t.Fatalf("rollback: %v %+v", err, rep)
			}
			if !strings.Contains(rep.Summary, "token=REDACTED") {
				t.Errorf("summary %q does not say where it posted", rep.Summary)
			}
			rep2, err := harness.ResumeRollbacks(context.Background(), loadPlan(t, path), opts)
			if err != nil || rep2.ExitCode != 5 {
				t.Fatalf("resume: %v %+v", err, rep2)
			}
			texts := map[string]string{"console": console.String(), "progress": progress.String(), "summary": rep.Summary + rep2.Summary}
			files, _ := filepath.Glob(filepath.Join(dir, "reports", "*"))
			journals, _ := filepath.Glob(filepath.Join(state, "*", "*"))
			if len(files) == 0 || len(journals) == 0 {
				t.Fatalf("reports %v, state %v", files, journals)
			}
			for _, f := range append(files, journals...) {
				b, _ := os.ReadFile(f)
				texts[f] = string(b)
			}
			for name, text := range texts {
				for _, bad := range []string{token, "\x1b", "\x00"} {
					if strings.Contains(text, bad) {
						t.Errorf("%s holds %q:\n%s", name, bad, text)
					}
				}
			}
		})
	}
}

// Two resumes of one interrupted rollback at once: one resumes it, the
// other finds it finished when it gets the lock. Neither claims more than
// it saw: the second runs the verify checks itself rather than report
// "nothing to verify".
func TestConcurrentResumesOfOneRollbackBothVerify(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(healthy.Close)
	dir := t.TempDir()
	src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: health, kind: http, service: web, timeout: 2s}
rollback:
  driver: command
  command: [sh, -c, 'echo x >> ran; test "$(wc -l < ran)" -ge 2 && sleep 1']
  state_dir: state
  lock_timeout: 20s
  verify: [health]
`, healthy.URL)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := harness.RollBack(context.Background(), loadPlan(t, path), harness.Options{OldImage: "app:1"}); err != nil || rep.ExitCode != 5 {
		t.Fatalf("first rollback: %v %+v", err, rep)
	}
	var wg sync.WaitGroup
	reps := make([]*report.Report, 2)
	for i := range reps {
		wg.Go(func() {
			rep, err := harness.ResumeRollbacks(context.Background(), loadPlan(t, path), harness.Options{OldImage: "app:1"})
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		})
	}
	wg.Wait()
	for i, rep := range reps {
		if rep == nil {
			continue
		}
		if rep.ExitCode != 3 || rep.Rollback.VerifyVerdict == nil || strings.Contains(rep.Summary, "nothing to verify") {
			t.Errorf("resume %d: exit %d: %s (verify %+v)", i, rep.ExitCode, rep.Summary, rep.Rollback.VerifyVerdict)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ran")); strings.Count(string(b), "x") != 2 {
		t.Errorf("the command ran %d times, want 2: the failed rollback and one resume", strings.Count(string(b), "x"))
	}
}
