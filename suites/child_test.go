package suites_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/postflight/postflight/suites"
)

// A phase process is started with no arguments. A command run with
// arguments while the phase variable happens to be in its environment (left
// over from a parent, exported by a script) is that command, not a phase:
// taken for one, `postflight run` would run no check and exit 0.
func TestPhaseVariableDoesNotTakeOverACommandWithArguments(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	req := filepath.Join(t.TempDir(), "request.json")
	if err := os.WriteFile(req, []byte(`{"phase":"check"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestPhaseVariableNeverSet$")
	cmd.Env = append(os.Environ(), suites.EnvPhaseRequest+"="+req)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the command with arguments did not run as itself: %v\n%s", err, out)
	}
	if _, err := os.Stat(req + ".out"); err == nil {
		t.Errorf("the command ran as a phase process and wrote a phase result:\n%s", out)
	}
}

// TestPhaseVariableNeverSet is what the command above runs: the variable
// does not reach the command's own children.
func TestPhaseVariableNeverSet(t *testing.T) {
	if v, ok := os.LookupEnv(suites.EnvPhaseRequest); ok {
		t.Errorf("%s=%s is still in the environment", suites.EnvPhaseRequest, v)
	}
}
