package procgroup_test

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/procgroup"
	"github.com/postflight/postflight/internal/proctest"
)

// start runs a shell in a group of its own that starts a child in the
// background and waits for it.
func start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", "sleep 300 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	deadline := time.Now().Add(5 * time.Second)
	for len(procgroup.Members(cmd.Process.Pid, nil)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("group %d: members %v, want the shell and its child", cmd.Process.Pid, procgroup.Members(cmd.Process.Pid, nil))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd
}

func TestStopEndsTheWholeGroup(t *testing.T) {
	cmd := start(t)
	pgid := cmd.Process.Pid
	members := procgroup.Members(pgid, nil)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := procgroup.Stop(pgid, time.Second, exited); err == nil {
		t.Error("a stopped shell reported success")
	}
	for _, pid := range members {
		if proctest.Alive(pid) {
			t.Errorf("process %d of group %d is alive after Stop", pid, pgid)
		}
	}
}

func TestKillEndsWhatTheLeaderLeft(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 300 & echo started")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	left := procgroup.Members(pgid, nil)
	if len(left) != 1 {
		t.Fatalf("members after the shell exited: %v, want its child", left)
	}
	if got := procgroup.Members(pgid, func(int) bool { return false }); len(got) != 0 {
		t.Errorf("members kept by a filter that keeps none: %v", got)
	}
	procgroup.Kill(pgid)
	if proctest.Alive(left[0]) || len(procgroup.Members(pgid, nil)) != 0 {
		t.Errorf("child %d alive after Kill", left[0])
	}
}
