package rollback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// DefaultLockTimeout is how long a rollback waits for a target that another
// rollback holds.
const DefaultLockTimeout = 2 * time.Minute

// lockPoll is how often a waiting rollback tries the lock again.
const lockPoll = 100 * time.Millisecond

// ErrLocked is what a rollback that gave up waiting for a target's lock
// returns (as a *LockedError, which says who holds it).
var ErrLocked = errors.New("rollback target is locked")

// Holder is the process that holds (or held) a lock, or wrote a journal
// entry.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	RunID string    `json:"run_id"`
	Since time.Time `json:"since"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "an unknown process"
	}
	return fmt.Sprintf("run %s (pid %d on %s, since %s, %s ago)", h.RunID, h.PID, h.Host,
		h.Since.Format(time.RFC3339), time.Since(h.Since).Round(time.Second))
}

// LockedError says a target stayed locked by another rollback for as long
// as this one would wait.
type LockedError struct {
	Target string
	Holder Holder
	Waited time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is being rolled back by %s: gave up after waiting %s", e.Target, e.Holder, e.Waited.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// locks are the flock(2) locks a rollback holds, one file per target in the
// state directory's locks/ folder. The kernel releases them when the
// process dies, so a killed rollback leaves no stale lock behind. The files
// stay (a lock file must not be removed while others may wait on it); a
// free one is empty, a held one says who holds it.
type locks struct {
	files []*os.File
}

func me(runID string) Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Host: host, RunID: runID, Since: time.Now().UTC()}
}

// acquireLocks takes the locks of every target, in a fixed order so that
// two rollbacks of overlapping targets cannot deadlock, waiting up to
// timeout in all.
func acquireLocks(ctx context.Context, stateDir string, targets []string, h Holder, timeout time.Duration) (*locks, error) {
	dir := filepath.Join(stateDir, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	targets = slices.Clone(targets)
	slices.Sort(targets)
	targets = slices.Compact(targets)
	start := time.Now()
	deadline := start.Add(timeout)
	l := &locks{}
	for _, t := range targets {
		f, err := lockOne(ctx, filepath.Join(dir, lockName(t)), deadline)
		if errors.Is(err, ErrLocked) {
			l.release()
			return nil, &LockedError{Target: t, Holder: readHolder(filepath.Join(dir, lockName(t))), Waited: time.Since(start)}
		}
		if err != nil {
			l.release()
			return nil, fmt.Errorf("lock %s: %w", t, err)
		}
		if err := writeHolder(f, h); err != nil {
			f.Close()
			l.release()
			return nil, fmt.Errorf("lock %s: %w", t, err)
		}
		l.files = append(l.files, f)
	}
	return l, nil
}

// lockBusy, when set (by tests), is called once when a rollback finds a
// lock held and starts to wait for it.
var lockBusy func(path string)

func lockOne(ctx context.Context, path string, deadline time.Time) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for waiting := false; ; waiting = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		if !waiting && lockBusy != nil {
			lockBusy(path)
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, ErrLocked
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(min(lockPoll, time.Until(deadline))):
		}
	}
}

func writeHolder(f *os.File, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

// readHolder reads who holds a lock; the zero Holder when the file says
// nothing readable (it is being rewritten).
func readHolder(path string) Holder {
	var h Holder
	for range 3 {
		b, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(b, &h) == nil {
			return h
		}
		time.Sleep(20 * time.Millisecond)
	}
	return Holder{}
}

// release frees the locks, leaving their files empty.
func (l *locks) release() {
	if l == nil {
		return
	}
	for _, f := range l.files {
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
	l.files = nil
}

// lockName is a lock file's name: the target, readable, and a hash that
// keeps different targets apart.
func lockName(target string) string {
	sum := sha256.Sum256([]byte(target))
	readable := strings.Trim(unsafeName.ReplaceAllString(target, "_"), "_")
	if len(readable) > 80 {
		readable = readable[:80]
	}
	return readable + "-" + hex.EncodeToString(sum[:4]) + ".lock"
}

// Lock is a lock held on rollback targets by another part of postflight
// that changes them (a canary rollout): a rollback of the same target and
// it keep off each other.
type Lock struct{ l *locks }

// AcquireLock takes the locks of targets for runID, waiting up to timeout
// (0: not at all). When a target stays held, the error is a *LockedError
// that says who holds it.
func AcquireLock(ctx context.Context, stateDir string, targets []string, runID string, timeout time.Duration) (*Lock, error) {
	l, err := acquireLocks(ctx, stateDir, targets, me(runID), timeout)
	if err != nil {
		return nil, err
	}
	return &Lock{l: l}, nil
}

// Release frees the locks.
func (l *Lock) Release() {
	if l != nil {
		l.l.release()
	}
}
