package ginkgosuite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
//
// Every process of the group carries the mark of the work directory dir
// (EnvWorkDir), and the group is recorded there: should postflight be
// killed outright, a sweep (postflight cleanup, or the next run's first
// suite) kills what is left of it and nothing else.
func runGroup(ctx context.Context, cmd *exec.Cmd, dir string, grace time.Duration, out io.Writer) (stopped bool, err error) {
	cmd.Stdout, cmd.Stderr = out, out
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, EnvWorkDir+"="+dir)
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
	if err := recordGroup(dir, pgid); err != nil {
		// Unrecorded, the group could not be swept after a kill: stop it.
		procgroup.Kill(pgid)
		<-waitFor(cmd)
		return false, fmt.Errorf("record the suite's process group: %w", err)
	}
	exited := waitFor(cmd)
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

// waitFor waits for cmd, started, and reports on the channel.
func waitFor(cmd *exec.Cmd) <-chan error {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited
}
