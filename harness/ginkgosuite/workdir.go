package ginkgosuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/postflight/postflight/internal/procgroup"
)

// WorkDirPrefix begins the name of every directory a suite works in (its
// test binary, its report), in the system's temporary directory: what a
// killed run left there is found by it (see Sweep).
const WorkDirPrefix = "postflight-suite-"

// EnvWorkDir, in the environment of every process of a suite and of its
// build, names the suite's work directory. It marks the processes a sweep
// may kill: those that carry it, and no other.
const EnvWorkDir = "POSTFLIGHT_SUITE_DIR"

// Files in a work directory.
const (
	// ownerFile is "PID START HOST" of the postflight process the
	// directory is for: START, the process's start time in clock ticks
	// after boot, tells it from a later process given the same pid.
	ownerFile = "owner"
	// groupFile is the id of the process group running in the directory
	// (the build, then the suite).
	groupFile = "group"
)

// unownedGrace is how old a work directory without its owner file must be
// to be swept: younger, a run may be about to write it.
const unownedGrace = time.Minute

// sweepOnce sweeps once per process, before its first suite: a run cleans
// up after the killed runs before it.
var sweepOnce sync.Once

// newWorkDir makes a work directory for a suite of this process.
func newWorkDir() (string, error) {
	sweepOnce.Do(func() { _, _, _ = Sweep(false) })
	dir, err := os.MkdirTemp("", WorkDirPrefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(self()+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("write %s: %w", filepath.Join(dir, ownerFile), err)
	}
	return dir, nil
}

// self is this process as an owner file says it.
func self() string {
	host, _ := os.Hostname()
	start, _ := process(os.Getpid())
	return fmt.Sprintf("%d %d %s", os.Getpid(), start, host)
}

// recordGroup notes the process group now running in dir.
func recordGroup(dir string, pgid int) error {
	return os.WriteFile(filepath.Join(dir, groupFile), []byte(strconv.Itoa(pgid)+"\n"), 0o644)
}

// Leftover is a suite's work directory that Sweep found.
type Leftover struct {
	// Dir is the work directory; Owner the "PID START HOST" of the run
	// that made it ("" when it wrote none), Live whether that run still
	// runs.
	Dir   string `json:"dir"`
	Owner string `json:"owner,omitempty"`
	Live  bool   `json:"live"`
	// Killed are the processes of the suite that were still running.
	Killed []int `json:"killed,omitempty"`
}

// Leftovers lists the suites' work directories in the temporary
// directory, each with whether its run still runs.
func Leftovers() ([]Leftover, error) {
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), WorkDirPrefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("list suites' work directories: %w", err)
	}
	out := make([]Leftover, 0, len(dirs))
	for _, d := range dirs {
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			continue
		}
		l := Leftover{Dir: d}
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		switch {
		case err == nil:
			l.Owner = strings.TrimSpace(string(b))
			l.Live = ownerAlive(l.Owner)
		case errors.Is(err, os.ErrNotExist):
			// Being made, or made by a run killed at once.
			fi, serr := os.Stat(d)
			l.Live = serr == nil && time.Since(fi.ModTime()) < unownedGrace
		default:
			l.Live = true // unreadable: not ours to judge
		}
		out = append(out, l)
	}
	return out, nil
}

// Sweep removes the work directories of suites whose run is over (killed
// outright: a run removes its own), after killing whatever of the suite
// still runs — the suite's child processes outlive it, and Pdeathsig ends
// the suite alone. With all, the work directories of live runs go too.
// It returns what it removed and what it left.
func Sweep(all bool) (removed, kept []Leftover, err error) {
	found, err := Leftovers()
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, l := range found {
		if l.Live && !all {
			kept = append(kept, l)
			continue
		}
		l.Killed = killMarked(l.Dir)
		if rerr := os.RemoveAll(l.Dir); rerr != nil {
			errs = append(errs, fmt.Errorf("remove suite work directory %s: %w", l.Dir, rerr))
			continue
		}
		removed = append(removed, l)
	}
	return removed, kept, errors.Join(errs...)
}

// killMarked kills the processes of the group recorded in dir that carry
// dir's mark, and waits (a few seconds at most) until they are gone.
func killMarked(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, groupFile))
	if err != nil {
		return nil
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pgid <= 0 {
		return nil
	}
	marked := func(pid int) bool { return marks(pid, dir) }
	pids := procgroup.Members(pgid, marked)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && len(procgroup.Members(pgid, marked)) > 0; {
		time.Sleep(20 * time.Millisecond)
	}
	return pids
}

// marks says whether process pid carries the mark of work directory dir.
func marks(pid int, dir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	want := EnvWorkDir + "=" + dir
	for _, kv := range strings.Split(string(b), "\x00") {
		if kv == want {
			return true
		}
	}
	return false
}

// ownerAlive says whether the owner ("PID START HOST") still runs. One on
// another host, or written otherwise, counts as alive: a sweep must not
// take a suite from under a run it cannot see.
func ownerAlive(owner string) bool {
	f := strings.Fields(owner)
	if len(f) != 3 {
		return true
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return true
	}
	if host, _ := os.Hostname(); f[2] != host {
		return true
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// The pid is taken: by the owner, unless it has exited (a zombie) or
	// another process got the pid since.
	now, running := process(pid)
	if !running {
		return false
	}
	return now == 0 || start == 0 || now == start
}

// process says when process pid started, in clock ticks after boot (0
// when that cannot be told), and whether it runs: a zombie has exited.
// Without /proc, a pid that answers signals runs.
func process(pid int) (start uint64, running bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, !errors.Is(err, os.ErrNotExist) || !procMounted()
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, true
	}
	// After "pid (comm)": state is field 3, starttime field 22.
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, true
	}
	start, _ = strconv.ParseUint(f[19], 10, 64)
	return start, f[0] != "Z" && f[0] != "X"
}

// procMounted says whether /proc tells of processes.
func procMounted() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}
