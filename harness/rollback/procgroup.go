package rollback

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A rollback command runs in a process group of its own, so that what it
// starts can be stopped with it: on cancel (an interrupt, a timeout) the
// group gets SIGTERM, then, after a grace period, SIGKILL, and the command
// returns only once no process of the group is left. A terminal's Ctrl-C
// does not reach the group directly; postflight passes it on.

// DefaultKillGrace is how long a cancelled rollback command's processes
// have to exit after SIGTERM before they are killed.
const DefaultKillGrace = 5 * time.Second

// groupGone bounds the wait for a killed process group to disappear.
const groupGone = 5 * time.Second

// stopGroup ends the process group pgid whose leader's Wait reports on
// exited: SIGTERM, up to grace for every member to exit, then SIGKILL, and
// it waits for the leader and (up to groupGone) for the rest. It returns
// the leader's Wait error.
func stopGroup(pgid int, grace time.Duration, exited <-chan error) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	var err error
	reaped := false
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !reaped {
			select {
			case err = <-exited:
				reaped = true
			default:
			}
		}
		if reaped && len(groupMembers(pgid, "")) == 0 {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	if !reaped {
		err = <-exited
	}
	for end := time.Now().Add(groupGone); time.Now().Before(end) && len(groupMembers(pgid, "")) > 0; {
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// groupMembers lists the live processes (zombies left out) of process
// group pgid; with runID, only those whose environment carries it as
// POSTFLIGHT_RUN_ID, so that a group id reused by an unrelated process is
// not taken for a rollback command. Without /proc it falls back to whether
// the kernel knows the group at all.
func groupMembers(pgid int, runID string) []int {
	if pgid <= 0 {
		return nil
	}
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return nil
	}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return []int{pgid}
	}
	var pids []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" || f[2] != strconv.Itoa(pgid) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if runID != "" && !hasRunID(pid, runID) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// hasRunID says whether process pid's environment names runID; true when
// the environment cannot be read, to err on the side of a live rollback.
func hasRunID(pid int, runID string) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if string(kv) == "POSTFLIGHT_RUN_ID="+runID {
			return true
		}
	}
	return false
}

// spawnKey carries the function a driver calls with the process group of
// a command it started, so that the Runner journals it.
type spawnKey struct{}

func withSpawnHook(ctx context.Context, f func(pgid int)) context.Context {
	return context.WithValue(ctx, spawnKey{}, f)
}

func reportSpawn(ctx context.Context, pgid int) {
	if f, ok := ctx.Value(spawnKey{}).(func(int)); ok {
		f(pgid)
	}
}
