// Package procgroup stops a command together with whatever it started: the
// command runs in a process group of its own (SysProcAttr.Setpgid), and the
// whole group is signalled, killed and waited for.
package procgroup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// gone bounds the wait for a killed process group to disappear.
const gone = 5 * time.Second

// Stop ends the process group pgid whose leader's Wait reports on exited:
// SIGTERM, up to grace for every member to exit, then SIGKILL, and it
// waits for the leader and (up to a few seconds) for the rest. It returns
// the leader's Wait error.
func Stop(pgid int, grace time.Duration, exited <-chan error) error {
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
		if reaped && len(Members(pgid, nil)) == 0 {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	if !reaped {
		err = <-exited
	}
	waitGone(pgid)
	return err
}

// Kill kills what is left of process group pgid, its leader reaped, and
// waits (up to a few seconds) until no member is left.
func Kill(pgid int) {
	if len(Members(pgid, nil)) == 0 {
		return
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	waitGone(pgid)
}

func waitGone(pgid int) {
	for end := time.Now().Add(gone); time.Now().Before(end) && len(Members(pgid, nil)) > 0; {
		time.Sleep(20 * time.Millisecond)
	}
}

// Members lists the live processes (zombies left out) of process group
// pgid for which keep (when not nil) holds. Without /proc it falls back to
// whether the kernel knows the group at all.
func Members(pgid int, keep func(pid int) bool) []int {
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
		if keep != nil && !keep(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}
