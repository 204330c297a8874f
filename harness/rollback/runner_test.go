package rollback

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sh(script string) *Command { return &Command{Argv: []string{"sh", "-c", script}} }

func readJournalEvents(t *testing.T, path string) []string {
	t.Helper()
	entries, _, err := readJournalFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, string(e.Event))
	}
	return out
}

func TestEachStepIsJournaledBeforeItIsActedOn(t *testing.T) {
	state := t.TempDir()
	// The command prints the journal as it stands when the command runs.
	r := &Runner{Driver: sh(`cat "` + state + `"/journal/*.jsonl`), StateDir: state}
	out, err := r.RollBack(context.Background(), Request{RunID: "j1", OldImage: "app:1", NewImage: "app:2"})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, line := range strings.Split(strings.TrimSpace(out.Output), "\n") {
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		seen = append(seen, string(e.Event))
		if e.Event == EventDecided && (e.Decision == nil || e.Decision.Request.OldImage != "app:1" || e.By == nil || e.By.PID != os.Getpid()) {
			t.Errorf("decided entry %+v", e)
		}
	}
	// "spawned" (the command's pid) is journaled once the command has
	// started, so the command may or may not see it; everything before it
	// must be there.
	if got := strings.Join(seen, " "); got != "decided started applying" && got != "decided started applying spawned" {
		t.Errorf("while the step ran the journal held %q, want %q (and then perhaps spawned)", got, "decided started applying")
	}
	if entries, _ := filepath.Glob(filepath.Join(state, "journal", "*")); len(entries) != 0 {
		t.Errorf("a finished rollback left %v", entries)
	}
}

func TestFailedRollbackKeepsItsJournalAndResumeConverges(t *testing.T) {
	state, count := t.TempDir(), filepath.Join(t.TempDir(), "count")
	// Fails the first time it runs, succeeds after.
	cmd := sh(`echo x >> "` + count + `"; test "$(wc -l < "` + count + `")" -ge 2`)
	_, err := (&Runner{Driver: cmd, StateDir: state}).RollBack(context.Background(), Request{RunID: "r1"})
	if err == nil {
		t.Fatal("the first run did not fail")
	}
	pending, err := Pending(state)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %v, %v", pending, err)
	}
	if got := readJournalEvents(t, pending[0].Path); strings.Join(got, " ") != "decided started applying spawned failed" {
		t.Errorf("journal %v", got)
	}
	if !strings.Contains(pending[0].String(), `rollback r1 (command: sh -c`) || !strings.Contains(pending[0].String(), "exit status 1") {
		t.Errorf("pending says %q", pending[0])
	}

	outs, err := Resume(context.Background(), state, ResumeOptions{})
	if err != nil || len(outs) != 1 || outs[0].ExitCode != 0 {
		t.Fatalf("resume: %+v, %v", outs, err)
	}
	outs, err = Resume(context.Background(), state, ResumeOptions{})
	if err != nil || len(outs) != 0 {
		t.Errorf("second resume: %+v, %v", outs, err)
	}
	if b, _ := os.ReadFile(count); strings.Count(string(b), "x") != 2 {
		t.Errorf("the command ran %d times, want 2", strings.Count(string(b), "x"))
	}
}

func TestNextRollbackOfATargetFirstConvergesItsUnfinishedOne(t *testing.T) {
	state, count := t.TempDir(), filepath.Join(t.TempDir(), "count")
	cmd := sh(`echo x >> "` + count + `"; test "$(wc -l < "` + count + `")" -ge 2`)
	if _, err := (&Runner{Driver: cmd, StateDir: state}).RollBack(context.Background(), Request{RunID: "first"}); err == nil {
		t.Fatal("the first run did not fail")
	}
	out, err := (&Runner{Driver: cmd, StateDir: state}).RollBack(context.Background(), Request{RunID: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Resumed) != 1 || out.Resumed[0] != "first" {
		t.Errorf("resumed %v", out.Resumed)
	}
	if p, _ := Pending(state); len(p) != 0 {
		t.Errorf("pending %v", p)
	}
}

func TestTornLastJournalLineIsCutOff(t *testing.T) {
	state := t.TempDir()
	if _, err := (&Runner{Driver: sh("exit 4"), StateDir: state}).RollBack(context.Background(), Request{RunID: "torn"}); err == nil {
		t.Fatal("exit 4 did not fail")
	}
	pending, _ := Pending(state)
	if len(pending) != 1 {
		t.Fatalf("pending %v", pending)
	}
	path := pending[0].Path
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-11-24T12:00:00Z","event":"app`) // the crash cut this write short
	f.Close()
	pending, err = Pending(state)
	if err != nil || len(pending) != 1 || pending[0].Last.Event != EventFailed {
		t.Fatalf("pending %v, %v", pending, err)
	}
	// Resuming appends after the last whole line.
	Resume(context.Background(), state, ResumeOptions{})
	got := readJournalEvents(t, path)
	if strings.Join(got, " ") != "decided started applying spawned failed resumed started applying spawned failed" {
		t.Errorf("journal after resume %v", got)
	}
}

func TestSecondRollbackOfATargetWaitsForTheLockAndSaysWhoHoldsIt(t *testing.T) {
	state, release := t.TempDir(), filepath.Join(t.TempDir(), "release")
	cmd := sh(`while [ ! -e "` + release + `" ]; do sleep 0.02; done`)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := (&Runner{Driver: cmd, StateDir: state}).RollBack(ctx, Request{RunID: "holder"})
		first <- err
	}()
	waitFor(t, func() bool { p, _ := Pending(state); return len(p) == 1 })

	start := time.Now()
	_, err := (&Runner{Driver: cmd, StateDir: state, LockTimeout: 300 * time.Millisecond}).RollBack(ctx, Request{RunID: "impatient"})
	var locked *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &locked) {
		t.Fatalf("err %v, want a LockedError", err)
	}
	host, _ := os.Hostname()
	if locked.Holder.PID != os.Getpid() || locked.Holder.RunID != "holder" || locked.Holder.Host != host || time.Since(locked.Holder.Since) > time.Minute {
		t.Errorf("holder %+v", locked.Holder)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond || waited > 3*time.Second {
		t.Errorf("waited %s, want about the 300ms lock timeout", waited)
	}
	if msg := err.Error(); !strings.Contains(msg, "is being rolled back by run holder (pid ") || !strings.Contains(msg, "gave up after waiting 3") {
		t.Errorf("error says %q", msg)
	}

	patient := make(chan error, 1)
	go func() {
		_, err := (&Runner{Driver: cmd, StateDir: state, LockTimeout: 30 * time.Second}).RollBack(ctx, Request{RunID: "patient"})
		patient <- err
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-patient:
		t.Fatalf("the patient rollback did not wait for the lock: %v", err)
	default:
	}
	os.WriteFile(release, nil, 0o600)
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-patient; err != nil {
		t.Errorf("patient: %v", err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	state, marker := t.TempDir(), filepath.Join(t.TempDir(), "rolled-back")
	r := &Runner{Driver: sh(`touch "` + marker + `"`), StateDir: state}
	out, err := r.DryRun(context.Background(), Request{RunID: "dry", OldImage: "app:1", NewImage: "app:2"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.DryRun || !strings.HasPrefix(out.Output, "would run sh -c 'touch ") {
		t.Errorf("dry run %+v", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the dry run ran the command")
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("the dry run wrote to the state directory: %v", entries)
	}
}

func TestLockFilesAreNamedByTarget(t *testing.T) {
	a, b := lockName("swarm service shop_web"), lockName("swarm service shop/web")
	if a == b || !strings.HasPrefix(a, "swarm_service_shop_web-") || !strings.HasSuffix(a, ".lock") {
		t.Errorf("lock names %q, %q", a, b)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}
