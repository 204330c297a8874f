package rollback

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/proctest"
)

func readPID(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, func() bool {
		b, _ := os.ReadFile(path)
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		pid = n
		return err == nil && n > 0
	})
	return pid
}

// A rollback cancelled mid-command (SIGINT or SIGTERM to postflight)
// stops the command's whole process group: no process it started is left,
// also one that ignores SIGTERM.
func TestCancelledCommandLeavesNoProcessBehind(t *testing.T) {
	tests := []struct{ name, child string }{
		{"child", `sleep 300`},
		{"child that ignores SIGTERM", `trap "" TERM; exec sleep 300`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			cmd := &Command{Argv: []string{"sh", "-c", `(` + tt.child + `) & echo $! > "` + pidfile + `"; wait`}, KillGrace: 300 * time.Millisecond}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := (&Runner{Driver: cmd, StateDir: t.TempDir()}).RollBack(ctx, Request{RunID: "sig"})
				done <- err
			}()
			pid := readPID(t, pidfile)
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped") {
				t.Errorf("err %v, want the command stopped by the cancel", err)
			}
			if proctest.Alive(pid) {
				t.Errorf("process %d the command started is still running", pid)
			}
		})
	}
}

// A rollback process killed while its command runs leaves the command
// running (it is in its own process group). A resume does not start a
// second copy beside it: it waits for it, and ends locked out, naming it,
// when it outlives the lock timeout; once it is gone, the resume runs.
func TestResumeDoesNotStartASecondCommandBesideALeftOne(t *testing.T) {
	state, dir := t.TempDir(), t.TempDir()
	count, release := filepath.Join(dir, "count"), filepath.Join(dir, "release")
	cfg := Config{Driver: DriverCommand, Command: &CommandConfig{Argv: []string{"sh", "-c",
		`echo run >> "` + count + `"; while [ ! -e "` + release + `" ]; do sleep 0.05; done`}, Timeout: 5 * time.Second}}
	proc, _ := rollbackProcess(t, helperJob{StateDir: state, Config: cfg, Request: Request{RunID: "left"}, KillAt: "spawned:0"})
	if err := proc.Wait(); !killedBySIGKILL(err) {
		t.Fatalf("rollback process: %v, want it killed", err)
	}
	waitFor(t, func() bool { b, _ := os.ReadFile(count); return len(b) > 0 })
	pending, err := Pending(state)
	if err != nil || len(pending) != 1 || pending[0].Last.Event != EventSpawned {
		t.Fatalf("pending %v, %v", pending, err)
	}
	pgid := pending[0].Last.PGID
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })

	_, err = Resume(context.Background(), state, ResumeOptions{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process group "+strconv.Itoa(pgid)+", still runs") {
		t.Fatalf("resume beside the left command: %v", err)
	}
	if b, _ := os.ReadFile(count); string(b) != "run\n" {
		t.Fatalf("the command ran %q: a second copy started", b)
	}

	os.WriteFile(release, nil, 0o600)
	outs, err := Resume(context.Background(), state, ResumeOptions{LockTimeout: 10 * time.Second})
	if err != nil || len(outs) != 1 {
		t.Fatalf("resume once the left command ended: %+v, %v", outs, err)
	}
	if b, _ := os.ReadFile(count); string(b) != "run\nrun\n" {
		t.Errorf("the command ran %q, want twice: the left one, then the resume", b)
	}
}
