package ginkgosuite

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/postflight/postflight/internal/procgroup"
)

// runGroup runs cmd in a process group of its own, with its output going to
// out. When ctx ends, the group gets SIGTERM (a Ginkgo suite then
// interrupts its spec, runs its cleanup and writes its report) and, grace
// later, SIGKILL. Whatever is left of the group when the command has ended
// is killed too, so a suite leaves no process behind. The error is the
// command's own (exit status, start failure); stopped says whether ctx
// ended while it ran.
func runGroup(ctx context.Context, cmd *exec.Cmd, grace time.Duration, out io.Writer) (stopped bool, err error) {
	cmd.Stdout, cmd.Stderr = out, out
	// The suite dies with postflight, also when postflight is killed and
	// cannot stop it: a suite is the run's, never left running alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// A process of the group that keeps the output open must not keep
	// Wait waiting once the command itself has ended.
	cmd.WaitDelay = grace
	if err := cmd.Start(); err != nil {
		return false, err
	}
	pgid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-ctx.Done():
		stopped = true
		err = procgroup.Stop(pgid, grace, exited)
	}
	procgroup.Kill(pgid)
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		err = nil
	}
	return stopped, err
}
