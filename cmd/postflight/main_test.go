package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

// bin is the postflight binary the tests run, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "postflight-bin-")
	if err != nil {
		panic(err)
	}
	// Rollback journals and locks go to a directory of the tests' own.
	os.Setenv("POSTFLIGHT_STATE_DIR", filepath.Join(dir, "state"))
	bin = filepath.Join(dir, "postflight")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build postflight: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// writeExistingPlan writes a plan against an existing stack whose service
// web answers at url, rest (checks, rollback) after the stack, in a
// directory of its own, and returns its path.
func writeExistingPlan(t *testing.T, url, rest string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	plan := fmt.Sprintf("version: 1\nstack:\n  existing:\n    services:\n      web: {url: %q}\n", url) + rest
	if err := os.WriteFile(path, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func dockerClient(t *testing.T) *client.Client {
	return dockertest.Client(t, "postflight-demo:1.0.0")
}

// labelled counts containers and networks carrying label=value.
func labelled(t *testing.T, cli *client.Client, label, value string) int {
	return len(dockertest.Labelled(t, cli, label, value))
}

func TestHelpTeachesFlagsAndExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"rollback", "--help"}, {"check", "images", "--help"}, {"validate", "--help"}, {"cleanup", "--help"}, {"history", "--help"}} {
		r := runBin(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%v: exit %d, output without examples:\n%s", args, r.code, r.stdout)
		}
	}
	r := runBin(t, "run", "--help")
	for _, want := range []string{"--new", "--old", "--report-dir", "--dry-run", "3    rolled back", "4    inconclusive"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--no-such-flag"},
		{"run", "-f", "../../fixtures/demo/postflight.yaml", "extra-arg"},
		{"validate", "-f", "testdata/does-not-exist.yaml"},
		// A command that runs nothing must not read as a pass.
		{},
		{"check"},
		{"check", "image"},
		{"check", "image", "-f", "../../fixtures/demo/postflight.yaml"},
	} {
		r := runBin(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "postflight: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with the error", args, r.code, r.stderr)
		}
	}
}

// Broken plans: the error names file, line and column, the exit code is the
// plan-error one, and nothing is started.
func TestBrokenPlansExit2AndStartNothing(t *testing.T) {
	cli := dockerClient(t)
	compose := "services:\n  writer:\n    image: postflight-demo:1.0.0\n    ports: [\"8080:8080\"]\n"
	tests := []struct {
		name, plan, want string
	}{
		{"unknown key", "version: 1\nstak: {}\n", `postflight.yaml:2:1: unknown key "stak"; did you mean "stack"?`},
		{"bad duration", "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [writer], ready_timeout: soon}\nchecks:\n  - {name: h, kind: http, service: writer}\n", "postflight.yaml:3:73: stack.replica.ready_timeout: expected a duration"},
		{"undefined service", "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [writer]}\nchecks:\n  - {name: h, kind: http, service: reader}\n", `postflight.yaml:5:36: checks[0].service: undefined service "reader"`},
		{"wrong type", "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [writer]}\nchecks:\n  - {name: h, kind: http, service: writer, retries: many}\n", "postflight.yaml:5:53: checks[0].retries: expected an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "postflight.yaml")
			os.WriteFile(path, []byte(tt.plan), 0o644)
			os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644)
			for _, cmd := range []string{"validate", "run"} {
				r := runBin(t, cmd, "-f", path, "--new", "postflight-demo:1.0.0")
				if cmd == "validate" {
					r = runBin(t, cmd, "-f", path)
				}
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 and %q", cmd, r.code, r.stderr, tt.want)
				}
			}
			abs, _ := filepath.Abs(path)
			if n := labelled(t, cli, stack.LabelPlan, abs); n != 0 {
				t.Errorf("a broken plan started %d container(s)/network(s)", n)
			}
		})
	}
	// The README's example of a broken plan: every problem, at once.
	r := runBin(t, "validate", "-f", "../../fixtures/demo/broken.yaml")
	for _, want := range []string{"4 problems in the plan", "broken.yaml:8:20: stack.replica.ready_timeout", "broken.yaml:12:14: checks[0].service",
		`broken.yaml:17:5: checks[1]: unknown key "retires"; did you mean "retries"?`, "broken.yaml:18:22: checks[1].expect.status"} {
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("validate broken.yaml: exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
		}
	}
	r = runBin(t, "validate", "-f", "../../fixtures/demo/postflight.yaml")
	if r.code != 0 || !strings.Contains(r.stdout, "valid plan") {
		t.Errorf("the demo plan does not validate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// startRun starts `postflight run` on the slow plan and returns once the
// check phase is under way, with the run id read from the progress output.
func startRun(t *testing.T, planPath string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, "run", "-f", planPath, "--new", "postflight-demo:1.0.0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	runID := make(chan string, 1)
	checking := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		idRe := regexp.MustCompile(`run ([0-9a-f]{8}) of`)
		for sc.Scan() {
			if m := idRe.FindStringSubmatch(sc.Text()); m != nil {
				runID <- m[1]
			}
			if strings.Contains(sc.Text(), "check: never-there (http)") {
				close(checking)
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case <-checking:
	case <-time.After(90 * time.Second):
		t.Fatal("the run did not reach its check phase in 90s")
	}
	time.Sleep(500 * time.Millisecond) // well inside the long check
	return cmd, <-runID, &stdout
}

func TestInterruptMidCheckRemovesEverything(t *testing.T) {
	cli := dockerClient(t)
	planPath, _ := filepath.Abs("testdata/slow.yaml")
	cmd, runID, stdout := startRun(t, planPath)
	if n := labelled(t, cli, stack.LabelRun, runID); n != 3 {
		t.Fatalf("mid-run: %d labelled containers and networks, want 2 containers and 1 network", n)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130\n%s", code, stdout)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s to stop after SIGINT", d)
	}
	if !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("summary does not say the run was interrupted:\n%s", stdout)
	}
	if n := labelled(t, cli, stack.LabelRun, runID); n != 0 {
		t.Errorf("%d labelled containers/networks left after SIGINT", n)
	}
}

func TestCleanupRemovesWhatAKilledRunLeftAndSparesLiveRuns(t *testing.T) {
	cli := dockerClient(t)
	planPath, _ := filepath.Abs("testdata/slow.yaml")
	killed, killedID, _ := startRun(t, planPath)
	killed.Process.Kill() // SIGKILL: the run cannot clean up
	killed.Wait()
	if n := labelled(t, cli, stack.LabelRun, killedID); n != 3 {
		t.Fatalf("after SIGKILL: %d labelled containers and networks, want the 3 the run made", n)
	}
	live, liveID, _ := startRun(t, planPath)

	r := runBin(t, "cleanup", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would remove container postflight-"+killedID+"-writer") ||
		strings.Contains(r.stdout, liveID) || !strings.Contains(r.stdout, "of runs still under way") {
		t.Errorf("cleanup --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if labelled(t, cli, stack.LabelRun, killedID) != 3 {
		t.Error("cleanup --dry-run removed something")
	}
	r = runBin(t, "cleanup")
	if r.code != 0 || !strings.Contains(r.stdout, "removed container postflight-"+killedID+"-writer") {
		t.Errorf("cleanup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := labelled(t, cli, stack.LabelRun, killedID); n != 0 {
		t.Errorf("%d labelled containers/networks of the killed run left after cleanup", n)
	}
	if n := labelled(t, cli, stack.LabelRun, liveID); n != 3 {
		t.Errorf("cleanup took %d of the live run's 3 resources", 3-n)
	}
	live.Process.Signal(syscall.SIGINT)
	live.Wait()
	if n := labelled(t, cli, stack.LabelRun, liveID); n != 0 {
		t.Errorf("%d labelled containers/networks left after the live run's SIGINT", n)
	}
}

// The README's annotated plan is a valid plan.
// validate and run read a plan alike: a replica plan that run refuses
// (no check measures the replica) is not reported as plainly valid.
func TestValidateSaysWhatRunRefuses(t *testing.T) {
	v := runBin(t, "validate", "-f", "testdata/elsewhere.yaml")
	if !strings.Contains(v.stderr, "no check measures the replica") {
		t.Errorf("validate: exit %d, stdout %q, stderr %q", v.code, v.stdout, v.stderr)
	}
	r := runBin(t, "run", "-f", "testdata/elsewhere.yaml", "--new", "postflight-demo:1.1.0")
	if r.code != 2 || !strings.Contains(r.stderr, "no check measures the replica") {
		t.Errorf("run: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestREADMEPlanIsValid(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "An annotated example")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	yaml, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no annotated example plan")
	}
	dir := t.TempDir()
	compose := "services:\n"
	for _, s := range []string{"api", "worker", "replica-a", "replica-b"} {
		compose += "  " + s + ":\n    image: shop:1.4.0\n    ports: [\"8080:8080\"]\n"
	}
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644)
	os.Mkdir(filepath.Join(dir, "e2e"), 0o755) // the ginkgo check's package
	os.WriteFile(filepath.Join(dir, "postflight.yaml"), []byte(yaml), 0o644)
	if r := runBin(t, "validate", "-f", filepath.Join(dir, "postflight.yaml")); r.code != 0 {
		t.Errorf("the README's plan does not validate: exit %d\n%s", r.code, r.stderr)
	}
}

// `postflight diff`: exit 0 for no differences, 3 for differences (and for
// a change the policy fails on), 1 for an image it cannot read, 2 for usage.
func TestDiffExitCodes(t *testing.T) {
	dockertest.Client(t, "postflight-demo:1.0.0", "postflight-demo:1.1.0", "postflight-demo:1.4.0")
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no differences", []string{"postflight-demo:1.0.0", "postflight-demo:1.1.0"}, 0, "no differences"},
		{"an undeclared upgrade", []string{"postflight-demo:1.0.0", "postflight-demo:1.4.0"}, 3, "eventlet  upgraded  0.20.0  0.20.1"},
		{"the upgrade declared", []string{"postflight-demo:1.0.0", "postflight-demo:1.4.0", "--expect", "pypi:eventlet >=0.20.1"}, 0, "eventlet"},
		{"declared, but not this version", []string{"postflight-demo:1.0.0", "postflight-demo:1.4.0", "--expect", "pypi:eventlet <0.20.1"}, 3, `does not allow it (0.20.1 is not <0.20.1)`},
		{"json", []string{"postflight-demo:1.0.0", "postflight-demo:1.4.0", "--format", "json"}, 3, `"name": "eventlet"`},
		{"an image that is not there", []string{"postflight-demo:1.0.0", "postflight-demo:0.0.0-missing"}, 1, ""},
		{"a bad format", []string{"postflight-demo:1.0.0", "postflight-demo:1.4.0", "--format", "yaml"}, 2, ""},
		{"one image", []string{"postflight-demo:1.0.0"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, append([]string{"diff"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s%s", r.code, tt.code, tt.out, r.stdout, r.stderr)
			}
			if tt.code == 1 && !strings.Contains(r.stderr, "postflight-demo:0.0.0-missing") {
				t.Errorf("the error does not name the image: %s", r.stderr)
			}
		})
	}
}
