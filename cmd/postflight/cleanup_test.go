package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/internal/proctest"
)

// killedSuite is what a run killed outright (SIGKILL) in the middle of a
// user's Ginkgo suite left.
type killedSuite struct {
	plan, runID string
	// env is the run's environment: TMPDIR, where the suite's work
	// directories go, is tmp, a directory of the test's own.
	env []string
	tmp string
	// dirs and binaries are the suite's work directories and test
	// binaries; pids its process and its child's (sleep 300).
	dirs, binaries []string
	pids           []int
}

// killMidSuite starts `postflight run` on a plan whose one check is a
// suite (testdata/process) that starts a child and sleeps, and SIGKILLs
// postflight once the suite runs.
func killMidSuite(t *testing.T) killedSuite {
	t.Helper()
	suite, err := filepath.Abs("../../harness/ginkgosuite/testdata/process")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	k := killedSuite{plan: writeExistingPlan(t, srv.URL, fmt.Sprintf("checks:\n  - {name: sleeper, kind: ginkgo, ginkgo: {package: %q}, timeout: 10m}\n", suite))}
	k.tmp = t.TempDir()
	// The suite writes its pid and its child's here.
	pidFile := filepath.Join(t.TempDir(), "pids")
	k.env = append(os.Environ(), "TMPDIR="+k.tmp, "PROCESS_PIDS="+pidFile)

	run := exec.Command(bin, "run", "-f", k.plan)
	run.Env = k.env
	var output bytes.Buffer
	run.Stdout, run.Stderr = &output, &output
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer run.Process.Kill()
	var suitePid, childPid int
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil {
			if _, err := fmt.Sscan(string(b), &suitePid, &childPid); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the suite did not start in 3m:\n%s", output.String())
		}
	}
	k.pids = []int{suitePid, childPid}
	// Whatever happens, the suite's processes do not outlive the test.
	t.Cleanup(func() {
		for _, pid := range k.pids {
			if proctest.Alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	k.dirs, _ = filepath.Glob(filepath.Join(k.tmp, ginkgosuite.WorkDirPrefix+"*"))
	k.binaries, _ = filepath.Glob(filepath.Join(k.tmp, ginkgosuite.WorkDirPrefix+"*", "suite.test"))
	if len(k.dirs) == 0 || len(k.binaries) == 0 {
		t.Fatalf("the running suite has work directories %v, binaries %v: want its binary in one", k.dirs, k.binaries)
	}

	run.Process.Kill() // SIGKILL: the run cannot clean up
	run.Wait()
	t.Logf("after SIGKILL of postflight: suite process alive %v, its child alive %v", proctest.Alive(suitePid), proctest.Alive(childPid))
	m := regexp.MustCompile(`run ([0-9a-f]{8}) of`).FindStringSubmatch(output.String())
	if m == nil {
		t.Fatalf("no run id in the killed run's output:\n%s", output.String())
	}
	k.runID = m[1]
	return k
}

// gone checks that nothing of the killed suite is left: no process, no
// work directory, no binary.
func (k killedSuite) gone(t *testing.T, after string) {
	t.Helper()
	for _, pid := range k.pids {
		if proctest.Alive(pid) {
			t.Errorf("process %d of the killed run's suite still runs after %s", pid, after)
		}
	}
	for _, d := range k.dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("work directory %s is still there after %s: %v", d, after, err)
		}
	}
	for _, b := range k.binaries {
		if _, err := os.Stat(b); !os.IsNotExist(err) {
			t.Errorf("the suite's binary %s is still there after %s: %v", b, after, err)
		}
	}
}

// A run killed outright cannot stop its suite's own child processes, nor
// remove the suite's test binary: cleanup does both, and takes nothing
// else.
func TestCleanupEndsWhatAKilledRunsSuiteLeft(t *testing.T) {
	k := killMidSuite(t)
	unrelated := exec.Command("sleep", "300") // a process cleanup must leave alone
	if err := unrelated.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { unrelated.Process.Kill(); unrelated.Wait() }()

	// The killed run's resources alone: other runs' containers on this
	// daemon are not this test's to judge. A suite's directory goes by
	// the process that made it.
	cleanup := exec.Command(bin, "cleanup", "--run", k.runID)
	cleanup.Env = k.env
	out, err := cleanup.CombinedOutput()
	if err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out)
	}
	for _, d := range k.dirs {
		if !strings.Contains(string(out), "removed suite work directory "+d) {
			t.Errorf("cleanup does not say it removed %s:\n%s", d, out)
		}
	}
	k.gone(t, "cleanup")
	if !proctest.Alive(unrelated.Process.Pid) {
		t.Error("cleanup killed a process that is not a suite's")
	}
	t.Logf("cleanup:\n%s", out)
}

// The next run to run a suite ends what a killed run's suite left before
// its own starts, and leaves nothing of its own.
func TestNextRunEndsWhatAKilledRunsSuiteLeft(t *testing.T) {
	k := killMidSuite(t)
	// This time the suite gives up at once (inconclusive): the run is
	// quick, and its own suite starts no child.
	next := exec.Command(bin, "run", "-f", k.plan)
	next.Env = append(k.env, "PROCESS_EXIT=1")
	out, err := next.CombinedOutput()
	if code := next.ProcessState.ExitCode(); code != 4 {
		t.Fatalf("next run: exit %d (%v), want 4 (the suite gave up: inconclusive)\n%s", code, err, out)
	}
	k.gone(t, "the next run")
	if left, _ := filepath.Glob(filepath.Join(k.tmp, ginkgosuite.WorkDirPrefix+"*")); len(left) > 0 {
		t.Errorf("work directories left after the next run: %v", left)
	}
}
