package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/internal/proctest"
)

// SIGTERM to postflight in the middle of a rollback command stops the
// command and everything it started, then exits 130 (interrupted).
func TestRollbackSIGTERMMidCommandLeavesNoProcessBehind(t *testing.T) {
	path := writeExistingPlan(t, nettest.RefusedURL(t), `checks:
  - {name: health, kind: http, service: web, timeout: 200ms}
rollback:
  driver: command
  command: [sh, -c, 'sleep 300 & echo $! > child.pid; wait']
  state_dir: state
`)
	dir := filepath.Dir(path)
	var stdout bytes.Buffer
	cmd := exec.Command(bin, "rollback", "-f", path, "--old", "app:1")
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	var child int
	for deadline := time.Now().Add(20 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dir, "child.pid"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 {
		t.Fatal("the rollback command did not start its child in 20s")
	}
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGTERM, want 130\n%s", code, stdout.String())
	}
	if proctest.Alive(child) {
		t.Errorf("process %d the rollback command started outlived postflight", child)
	}
}
