package rollback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/internal/nettest"
)

// helperEnv carries a helperJob to the test binary run as a rollback
// process (see TestMain).
const helperEnv = "POSTFLIGHT_ROLLBACK_TEST_JOB"

// helperJob is a rollback a helper process runs.
type helperJob struct {
	StateDir    string
	Config      Config
	Request     Request
	LockTimeout time.Duration
	// KillAt, when set, makes the process SIGKILL itself right after it
	// journaled that event: "decided", "applying:1", "done:0", "verifying".
	KillAt string
}

// helperResult is what a helper process prints.
type helperResult struct {
	Outcome Outcome
	Error   string
}

// helperMain runs a helperJob and prints a helperResult.
func helperMain(raw string) int {
	var job helperJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if job.KillAt != "" {
		afterAppend = func(e Entry) {
			at := string(e.Event)
			if e.Step >= 0 {
				at += ":" + strconv.Itoa(e.Step)
			}
			if at == job.KillAt {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	d, err := New(job.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out, err := (&Runner{Driver: d, StateDir: job.StateDir, LockTimeout: job.LockTimeout}).RollBack(context.Background(), job.Request)
	res := helperResult{Outcome: out}
	if err != nil {
		res.Error = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// rollbackProcess starts the test binary as a rollback process.
func rollbackProcess(t *testing.T, job helperJob) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	raw, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(raw))
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &stdout
}

func helperOutcome(t *testing.T, stdout *bytes.Buffer) helperResult {
	t.Helper()
	var res helperResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("rollback process printed %q: %v", stdout, err)
	}
	return res
}

func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestKilledSwarmRollbackIsResumedToTheOldVersion kills a rollback process
// of two Swarm services with SIGKILL at several points; every time, Resume
// in another process (this one) converges both services on the old
// version, verified by digest and /healthz, and a second Resume does
// nothing.
func TestKilledSwarmRollbackIsResumedToTheOldVersion(t *testing.T) {
	s := daemonSwarm(t)
	cli := s.cli
	ctx := context.Background()
	names := []string{testID + "-crash-a", testID + "-crash-b"}
	ports := map[string]int{}
	for _, n := range names {
		ports[n] = nettest.FreePort(t)
		s.service(t, n, demoGood, ports[n], 250*time.Millisecond)
	}
	for _, n := range names {
		waitVersion(t, ports[n], "1.0.0")
	}
	cfg := Config{Driver: DriverSwarm, Swarm: &SwarmConfig{Services: names}}

	points := []struct {
		name, killAt string
		// external: SIGKILL from outside once the first service's rollback
		// is under way, instead of at a journal entry.
		external bool
	}{
		{name: "after deciding", killAt: "decided"},
		{name: "mid-way through services", killAt: "applying:1"},
		{name: "while the services converge", external: true},
		{name: "before verifying", killAt: "verifying"},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			s.deploy(t, demoBad, ports)
			state := t.TempDir()
			req := Request{RunID: "crash", OldImage: demoGood, NewImage: demoBad}
			cmd, _ := rollbackProcess(t, helperJob{StateDir: state, Config: cfg, Request: req, KillAt: p.killAt})
			if p.external {
				waitRollbackStarted(t, cli, names[0])
				cmd.Process.Signal(syscall.SIGKILL)
			}
			if err := cmd.Wait(); !killedBySIGKILL(err) {
				t.Fatalf("rollback process was not killed by SIGKILL: %v", err)
			}
			pending, err := Pending(state)
			if err != nil || len(pending) != 1 {
				t.Fatalf("journals after the kill: %v, %v", pending, err)
			}
			t.Logf("killed: %s", pending[0])
			if p.killAt != "" && !strings.HasPrefix(p.killAt, string(pending[0].Last.Event)) {
				t.Errorf("journal stopped at %q, want %q", pending[0].Last.Event, p.killAt)
			}

			outs, err := Resume(ctx, state, ResumeOptions{Logf: t.Logf})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if len(outs) != 1 || !strings.Contains(outs[0].Verified, names[0]) || !strings.Contains(outs[0].Verified, names[1]) {
				t.Errorf("resume outcomes %+v", outs)
			}
			for _, n := range names {
				s.tasksRun(t, n, demoGood)
				if v, err := healthz(ports[n]); err != nil || v != "1.0.0" {
					t.Errorf("%s says %q, %v", n, v, err)
				}
			}
			if p, err := Pending(state); err != nil || len(p) != 0 {
				t.Errorf("journals after resume: %v, %v", p, err)
			}
			before := []string{lastChange(t, cli, names[0]), lastChange(t, cli, names[1])}
			outs, err = Resume(ctx, state, ResumeOptions{})
			if err != nil || len(outs) != 0 {
				t.Errorf("second resume: %+v, %v", outs, err)
			}
			if after := []string{lastChange(t, cli, names[0]), lastChange(t, cli, names[1])}; after[0] != before[0] || after[1] != before[1] {
				t.Errorf("second resume changed the services: %v -> %v", before, after)
			}
		})
	}
}

// waitRollbackStarted waits until Swarm is rolling a service back.
func waitRollbackStarted(t *testing.T, cli *client.Client, name string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		svc, err := cli.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
		if err == nil && svc.Service.UpdateStatus != nil && svc.Service.UpdateStatus.State == swarm.UpdateStateRollbackStarted {
			return
		}
	}
	t.Fatalf("the rollback of %s never started", name)
}

// TestConcurrentRollbacksOfOneTargetRollBackOnce runs two rollback
// processes of the same Swarm service at once: one rolls it back, the
// other waits for the lock and then finds it rolled back by the first, and
// does not act again.
func TestConcurrentRollbacksOfOneTargetRollBackOnce(t *testing.T) {
	s := daemonSwarm(t)
	name, port := testID+"-race", nettest.FreePort(t)
	s.service(t, name, demoGood, port, 250*time.Millisecond)
	waitVersion(t, port, "1.0.0")
	s.deploy(t, demoBad, map[string]int{name: port})

	state := t.TempDir()
	job := helperJob{StateDir: state, Config: Config{Driver: DriverSwarm, Swarm: &SwarmConfig{Services: []string{name}}},
		LockTimeout: time.Minute}
	var outs []*bytes.Buffer
	var cmds []*exec.Cmd
	for i := range 2 {
		job.Request = Request{RunID: fmt.Sprintf("race-%d", i), OldImage: demoGood, NewImage: demoBad}
		cmd, out := rollbackProcess(t, job)
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	acted := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("rollback process %d: %v", i, err)
		}
		res := helperOutcome(t, outs[i])
		if res.Error != "" {
			t.Errorf("rollback %d: %s", i, res.Error)
		}
		switch o := res.Outcome; {
		case o.AlreadyBy != "": // it waited for the other, and took its outcome
		case len(o.Steps) == 1 && o.Steps[0].Step.Action == ActionPreviousSpec:
			acted++
		case len(o.Steps) == 1 && o.Steps[0].Step.Action == ActionNone:
		default:
			t.Errorf("rollback %d: outcome %+v", i, o)
		}
	}
	if acted != 1 {
		t.Errorf("%d rollbacks acted, want exactly 1", acted)
	}
	s.tasksRun(t, name, demoGood)
}
