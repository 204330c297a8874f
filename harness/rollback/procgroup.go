package rollback

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/postflight/postflight/internal/procgroup"
)

// A rollback command runs in a process group of its own, so that what it
// starts can be stopped with it: on cancel (an interrupt, a timeout) the
// group gets SIGTERM, then, after a grace period, SIGKILL, and the command
// returns only once no process of the group is left. A terminal's Ctrl-C
// does not reach the group directly; postflight passes it on.

// DefaultKillGrace is how long a cancelled rollback command's processes
// have to exit after SIGTERM before they are killed.
const DefaultKillGrace = 5 * time.Second

// groupMembers lists the live processes (zombies left out) of process
// group pgid; with runID, only those whose environment carries it as
// POSTFLIGHT_RUN_ID, so that a group id reused by an unrelated process is
// not taken for a rollback command. Without /proc it falls back to whether
// the kernel knows the group at all.
func groupMembers(pgid int, runID string) []int {
	if runID == "" {
		return procgroup.Members(pgid, nil)
	}
	return procgroup.Members(pgid, func(pid int) bool { return hasRunID(pid, runID) })
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
