// Package suites runs postflight's checks as Ginkgo specs, labelled by check
// kind and phase, and gives users the same helpers for specs of their own.
//
// Ginkgo runs one suite per process, and a postflight run needs two: the
// checks, then (after a rollback) the verify checks. So each phase runs in a
// child process: the parent resolves the stack's endpoints, writes a
// PhaseRequest to a file and starts its own executable with the file's path
// in an environment variable; the child notices it at the top of main
// (RunPhaseIfRequested), runs the specs and writes back the results.
package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
)

// Phases of a run.
const (
	PhaseCheck  = "check"
	PhaseVerify = "verify"
)

// EnvPhaseRequest names the environment variable that makes a process a
// phase runner.
const EnvPhaseRequest = "POSTFLIGHT_PHASE_REQUEST"

// PhaseRequest is what a phase process is given: the checks to run and where
// the stack's services answer.
type PhaseRequest struct {
	Phase  string       `json:"phase"`
	Checks []plan.Check `json:"checks"`
	// Endpoints maps "service:port" to a base URL ("service:0" is the
	// service's first port).
	Endpoints map[string]string `json:"endpoints"`
	// LabelFilter narrows the specs to run (Ginkgo's label filter syntax).
	LabelFilter string `json:"label_filter,omitempty"`
	// NewImage, OldImage and RunID are the run's, for image checks.
	NewImage string `json:"new_image,omitempty"`
	OldImage string `json:"old_image,omitempty"`
	RunID    string `json:"run_id,omitempty"`
	// FailFast skips the phase's remaining checks once one has failed.
	FailFast bool `json:"fail_fast,omitempty"`
}

// PhaseResult is what a phase process writes back.
type PhaseResult struct {
	Results []result.Result `json:"results"`
	// Error is set when the suite itself could not run.
	Error string `json:"error,omitempty"`
}

// EndpointKey is the key of Endpoints for a service and port.
func EndpointKey(service string, port int) string { return fmt.Sprintf("%s:%d", service, port) }

// ResolveEndpoints resolves, before the phase starts, every service and port
// the checks talk to. A service that cannot be resolved is left out; its
// checks then report why they could not measure.
func ResolveEndpoints(checks []plan.Check, eps result.Endpoints) map[string]string {
	out := map[string]string{}
	if eps == nil {
		return out
	}
	for _, c := range checks {
		for _, sp := range c.ServicePorts() {
			if u, err := eps.BaseURL(sp.Service, sp.Port); err == nil {
				out[EndpointKey(sp.Service, sp.Port)] = u
			}
		}
	}
	return out
}

// Runner starts phase processes.
type Runner struct {
	// Executable is the program to start as phase runner; it must call
	// RunPhaseIfRequested first thing. Empty means this process's own
	// executable.
	Executable string
	// Output receives the Ginkgo output of the phase; nil discards it.
	Output io.Writer
	// Progress receives the progress lines of long checks; nil discards
	// them.
	Progress func(line string)
	// Grace is how long a child gets to finish after an interrupt.
	Grace time.Duration
}

// Run runs one phase in a child process and returns its results. An error
// means the phase could not run (or was interrupted); the caller treats its
// checks as inconclusive.
func (r Runner) Run(ctx context.Context, req PhaseRequest) ([]result.Result, error) {
	exe := r.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "postflight-phase-")
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", req.Phase, err)
	}
	defer os.RemoveAll(dir)
	reqPath := filepath.Join(dir, "request.json")
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("phase %s: encode request: %w", req.Phase, err)
	}
	if err := os.WriteFile(reqPath, b, 0o600); err != nil {
		return nil, fmt.Errorf("phase %s: write request: %w", req.Phase, err)
	}

	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), EnvPhaseRequest+"="+reqPath)
	var tail bytes.Buffer
	out := io.Writer(&tail)
	if r.Output != nil {
		out = io.MultiWriter(r.Output, &tail)
	}
	lines := &lineSplitter{progress: r.Progress, rest: out}
	defer lines.flush()
	cmd.Stdout, cmd.Stderr = lines, lines
	// On interrupt the child gets SIGINT, so Ginkgo stops the running spec
	// and reports; it is killed only if it does not finish in time.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = r.Grace
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 10 * time.Second
	}
	runErr := cmd.Run()

	res, readErr := readResult(reqPath + ".out")
	switch {
	case ctx.Err() != nil:
		return res.Results, fmt.Errorf("phase %s interrupted: %w", req.Phase, ctx.Err())
	case readErr != nil:
		return nil, fmt.Errorf("phase %s: %v (%v)%s", req.Phase, readErr, runErr, lastLine(tail.Bytes()))
	case res.Error != "":
		return res.Results, fmt.Errorf("phase %s: %s", req.Phase, res.Error)
	}
	// A failing spec makes the child exit non-zero: that is a result, not
	// an error.
	return res.Results, nil
}

func readResult(path string) (PhaseResult, error) {
	var res PhaseResult
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, errors.New("the phase process wrote no result")
	}
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("decode phase result: %w", err)
	}
	return res, nil
}

func lastLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) == 0 {
		return ""
	}
	return ": " + string(b)
}

// progressMarker starts a line a phase process writes for the parent's
// progress display rather than for its log.
const progressMarker = "\x1epostflight-progress: "

// lineSplitter sends progress lines to progress and the rest to rest. The
// child's stdout and stderr both write to it, one Write at a time.
type lineSplitter struct {
	progress func(string)
	rest     io.Writer
	buf      []byte
}

func (l *lineSplitter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.line(l.buf[:i+1])
		l.buf = l.buf[i+1:]
	}
}

func (l *lineSplitter) line(b []byte) {
	if s, ok := bytes.CutPrefix(b, []byte(progressMarker)); ok {
		if l.progress != nil {
			l.progress(string(bytes.TrimRight(s, "\n")))
		}
		return
	}
	l.rest.Write(b)
}

func (l *lineSplitter) flush() {
	if len(l.buf) > 0 {
		l.line(l.buf)
		l.buf = nil
	}
}
