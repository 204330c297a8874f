package ginkgosuite

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/postflight/postflight/internal/proctest"
)

// startIn starts a sleep in process group pgid (a group of its own when
// 0), marked as dir's when mark is set, and makes sure it is gone when
// the test ends.
func startIn(t *testing.T, dir string, pgid int, mark bool) int {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.Env = os.Environ()
	if mark {
		cmd.Env = append(cmd.Env, EnvWorkDir+"="+dir)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := waitFor(cmd)
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return cmd.Process.Pid
}

// deadOwner is the owner line of a process that has exited.
func deadOwner(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%d 1 %s", cmd.Process.Pid, host)
}

// workDir makes a suite work directory owned by owner, with a binary in
// it and a process group of a marked process, an unmarked one beside it.
func workDir(t *testing.T, owner string) (dir string, marked, unmarked int) {
	t.Helper()
	dir, err := os.MkdirTemp("", WorkDirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, testBinary), []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	marked = startIn(t, dir, 0, true)
	unmarked = startIn(t, dir, marked, false)
	if err := recordGroup(dir, marked); err != nil {
		t.Fatal(err)
	}
	return dir, marked, unmarked
}

func TestSweepKillsWhatAKilledRunsSuiteLeftAndSparesLiveRuns(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	stale, staleProc, stranger := workDir(t, deadOwner(t))
	live, liveProc, _ := workDir(t, self())

	removed, kept, err := Sweep(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0].Dir != stale || len(removed[0].Killed) != 1 || removed[0].Killed[0] != staleProc {
		t.Fatalf("removed %+v, want %s with process %d killed", removed, stale, staleProc)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the killed run's work directory is still there: %v", err)
	}
	if proctest.Alive(staleProc) {
		t.Errorf("the killed run's suite process %d still runs", staleProc)
	}
	if !proctest.Alive(stranger) {
		t.Errorf("process %d, in the group but without the suite's mark, was killed", stranger)
	}
	if len(kept) != 1 || kept[0].Dir != live || !kept[0].Live {
		t.Fatalf("kept %+v, want the live run's %s", kept, live)
	}
	if !proctest.Alive(liveProc) {
		t.Fatalf("the live run's suite process %d was killed", liveProc)
	}

	removed, kept, err = Sweep(true)
	if err != nil || len(removed) != 1 || removed[0].Dir != live || len(kept) != 0 {
		t.Fatalf("sweep of all: removed %+v, kept %+v, %v", removed, kept, err)
	}
	if proctest.Alive(liveProc) {
		t.Errorf("a sweep of all left process %d", liveProc)
	}
}

func TestOwnerIsAliveUntilItsProcessEnds(t *testing.T) {
	host, _ := os.Hostname()
	start, _ := process(os.Getpid())
	tests := []struct {
		owner string
		alive bool
	}{
		{self(), true},
		{deadOwner(t), false},
		{fmt.Sprintf("%d %d %s", os.Getpid(), start+1, host), false}, // the pid, taken by another process since
		{fmt.Sprintf("%d 1 another-host", os.Getpid()+1_000_000), true},
		{"garbage", true},
	}
	for _, tt := range tests {
		if got := ownerAlive(tt.owner); got != tt.alive {
			t.Errorf("ownerAlive(%q) = %v, want %v", tt.owner, got, tt.alive)
		}
	}
}

func TestWorkDirWithoutOwnerIsLeftWhileItIsNew(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := os.MkdirTemp("", WorkDirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	removed, kept, err := Sweep(false)
	if err != nil || len(removed) != 0 || len(kept) != 1 || kept[0].Dir != dir {
		t.Fatalf("removed %+v, kept %+v, %v: a directory being made was swept", removed, kept, err)
	}
}
