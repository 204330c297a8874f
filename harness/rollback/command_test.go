package rollback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
)

func TestCommandGetsTheRollbackInItsEnvironment(t *testing.T) {
	c := &Command{Argv: []string{"sh", "-c", `echo "$POSTFLIGHT_RUN_ID|$POSTFLIGHT_OLD_IMAGE|$POSTFLIGHT_NEW_IMAGE|$POSTFLIGHT_SERVICES|$POSTFLIGHT_REASON|$(pwd)"`}, Dir: "/"}
	out, err := (&Runner{Driver: c}).RollBack(context.Background(), Request{RunID: "r1", OldImage: "app:1", NewImage: "app:2", Services: []string{"a", "b"}, Reason: "p99 too slow"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.Output); got != "r1|app:1|app:2|a,b|p99 too slow|/" {
		t.Errorf("command saw %q", got)
	}
	if out.ExitCode != 0 || out.Driver != "command" || !strings.HasPrefix(out.Action, "sh -c 'echo") {
		t.Errorf("outcome %+v", out)
	}
}

func TestCommandFailures(t *testing.T) {
	tests := []struct {
		name     string
		argv     []string
		timeout  time.Duration
		errHas   string
		exitCode int
	}{
		{"non-zero exit", []string{"sh", "-c", "echo cannot; exit 3"}, 0, "exit status 3", 3},
		{"timeout", []string{"sleep", "10"}, 100 * time.Millisecond, "timed out after 100ms", -1},
		{"missing program", []string{"/no/such/rollback"}, 0, "no such file", -1},
		{"empty", nil, 0, "rollback command is empty", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, err := (&Runner{Driver: &Command{Argv: tt.argv, Timeout: tt.timeout}}).RollBack(context.Background(), Request{})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err %v, want it to contain %q", err, tt.errHas)
			}
			if out.ExitCode != tt.exitCode {
				t.Errorf("exit code %d, want %d", out.ExitCode, tt.exitCode)
			}
			if time.Since(start) > 8*time.Second {
				t.Errorf("took %s: the timeout did not stop the command", time.Since(start))
			}
		})
	}
}

func TestCommandOutputIsBounded(t *testing.T) {
	out, err := (&Runner{Driver: &Command{Argv: []string{"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"}}}).RollBack(context.Background(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Output) != maxOutput {
		t.Errorf("kept %d bytes of output, want the first %d", len(out.Output), maxOutput)
	}
}

func TestFromPlan(t *testing.T) {
	d, err := FromPlan(&plan.Plan{Path: "/x/postflight.yaml"})
	if d != nil || err != nil {
		t.Errorf("no driver configured: got %v, %v", d, err)
	}
	d, err = FromPlan(&plan.Plan{Path: "/x/postflight.yaml", Rollback: plan.Rollback{Driver: "command", Command: []string{"true"}}})
	if c, ok := d.Driver.(*Command); err != nil || !ok || c.Dir != "/x" || c.Timeout != plan.DefaultRollbackLimit {
		t.Errorf("command driver: %+v, %v", d, err)
	}
	if _, err := FromPlan(&plan.Plan{Rollback: plan.Rollback{Driver: "carrier-pigeon"}}); err == nil {
		t.Error("an unknown driver gave no error")
	}
}
