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

// A run killed outright (SIGKILL) while a user's Ginkgo suite runs cannot
// stop the suite's own child processes, nor remove the suite's test
// binary: cleanup does both, and takes nothing else.
func TestCleanupEndsWhatAKilledRunsSuiteLeft(t *testing.T) {
	suite, err := filepath.Abs("../../harness/ginkgosuite/testdata/process")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	planPath := writeExistingPlan(t, srv.URL, fmt.Sprintf("checks:\n  - {name: sleeper, kind: ginkgo, ginkgo: {package: %q}, timeout: 10m}\n", suite))
	// The suite writes its pid and its child's (sleep 300) here. Its work
	// directories go to a temporary directory of this test's own, which
	// cleanup is run with too.
	pidFile := filepath.Join(t.TempDir(), "pids")
	tmp := t.TempDir()
	env := append(os.Environ(), "TMPDIR="+tmp, "PROCESS_PIDS="+pidFile)

	run := exec.Command(bin, "run", "-f", planPath)
	run.Env = env
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
	// Whatever happens below, the suite's processes do not outlive the test.
	defer func() {
		for _, pid := range []int{suitePid, childPid} {
			if proctest.Alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	dirs, _ := filepath.Glob(filepath.Join(tmp, ginkgosuite.WorkDirPrefix+"*"))
	binaries, _ := filepath.Glob(filepath.Join(tmp, ginkgosuite.WorkDirPrefix+"*", "suite.test"))
	if len(dirs) == 0 || len(binaries) == 0 {
		t.Fatalf("the running suite has work directories %v, binaries %v: want its binary in one", dirs, binaries)
	}

	run.Process.Kill() // SIGKILL: the run cannot clean up
	run.Wait()
	t.Logf("after SIGKILL of postflight: suite process alive %v, its child alive %v", proctest.Alive(suitePid), proctest.Alive(childPid))

	unrelated := exec.Command("sleep", "300") // a process cleanup must leave alone
	if err := unrelated.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { unrelated.Process.Kill(); unrelated.Wait() }()

	// The killed run's alone: other runs' containers on this daemon are
	// not this test's to judge. A suite's directory goes by its owner.
	m := regexp.MustCompile(`run ([0-9a-f]{8}) of`).FindStringSubmatch(output.String())
	if m == nil {
		t.Fatalf("no run id in the killed run's output:\n%s", output.String())
	}
	cleanup := exec.Command(bin, "cleanup", "--run", m[1])
	cleanup.Env = env
	out, err := cleanup.CombinedOutput()
	if err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out)
	}
	for _, d := range dirs {
		if !strings.Contains(string(out), "removed suite work directory "+d) {
			t.Errorf("cleanup does not say it removed %s:\n%s", d, out)
		}
	}
	for _, pid := range []int{suitePid, childPid} {
		if proctest.Alive(pid) {
			t.Errorf("process %d of the killed run's suite still runs after cleanup", pid)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, ginkgosuite.WorkDirPrefix+"*")); len(left) > 0 {
		t.Errorf("work directories left after cleanup: %v", left)
	}
	for _, b := range binaries {
		if _, err := os.Stat(b); !os.IsNotExist(err) {
			t.Errorf("the suite's binary %s is still there: %v", b, err)
		}
	}
	if !proctest.Alive(unrelated.Process.Pid) {
		t.Error("cleanup killed a process that is not a suite's")
	}
	t.Logf("cleanup:\n%s", out)
}
