package rollback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/postflight/postflight/internal/procgroup"
	"github.com/postflight/postflight/internal/safetext"
)

// maxOutput bounds the command output kept for the report.
const maxOutput = 64 << 10

// CommandConfig configures the command driver.
type CommandConfig struct {
	// Argv is the command and its arguments; no shell is involved.
	Argv []string `json:"argv" yaml:"argv"`
	// Dir is the working directory; the current one when empty.
	Dir string `json:"dir,omitempty" yaml:"dir"`
	// Timeout bounds the command; none when zero.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout"`
}

// Command rolls back by running a command the user configured. It gets the
// details in its environment:
//
//	POSTFLIGHT_RUN_ID, POSTFLIGHT_PLAN, POSTFLIGHT_OLD_IMAGE,
//	POSTFLIGHT_NEW_IMAGE, POSTFLIGHT_SERVICES (comma-separated),
//	POSTFLIGHT_REASON
//
// Exit status 0 means the rollback was applied. A resumed rollback runs the
// command again, so it must be safe to run twice.
type Command struct {
	Argv    []string
	Dir     string
	Timeout time.Duration
	// KillGrace is how long the command's process group has after SIGTERM
	// when the rollback is cancelled or times out, before SIGKILL;
	// DefaultKillGrace when zero.
	KillGrace time.Duration
}

func (c *Command) grace() time.Duration {
	if c.KillGrace > 0 {
		return c.KillGrace
	}
	return DefaultKillGrace
}

var _ Driver = (*Command)(nil)

// NewCommand returns the command driver.
func NewCommand(cfg CommandConfig) (*Command, error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("rollback command is empty")
	}
	return &Command{Argv: cfg.Argv, Dir: cfg.Dir, Timeout: cfg.Timeout}, nil
}

// Name implements Driver.
func (c *Command) Name() string { return DriverCommand }

// Config implements Driver.
func (c *Command) Config() Config {
	return Config{Driver: DriverCommand, Command: &CommandConfig{Argv: c.Argv, Dir: c.Dir, Timeout: c.Timeout}}
}

// Targets implements Driver: one command at a time in one directory.
func (c *Command) Targets(Request) []string {
	return []string{fmt.Sprintf("command %s in %s", quoteArgv(c.Argv), c.Dir)}
}

// Describe implements Driver.
func (c *Command) Describe(req Request) string {
	return fmt.Sprintf("run %s with POSTFLIGHT_OLD_IMAGE=%s POSTFLIGHT_NEW_IMAGE=%s", quoteArgv(c.Argv), req.OldImage, req.NewImage)
}

// Decide implements Driver: one step, the command.
func (c *Command) Decide(ctx context.Context, req Request) ([]Step, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("rollback command is empty")
	}
	return []Step{{Object: quoteArgv(c.Argv), Action: ActionRun, From: req.NewImage, To: req.OldImage}}, nil
}

// Apply implements Driver: it runs the command.
func (c *Command) Apply(ctx context.Context, req Request, step Step) (Result, error) {
	res := Result{Step: step, ExitCode: -1}
	if len(c.Argv) == 0 {
		return res, errors.New("rollback command is empty")
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(),
		"POSTFLIGHT_RUN_ID="+req.RunID,
		"POSTFLIGHT_PLAN="+req.PlanPath,
		"POSTFLIGHT_OLD_IMAGE="+req.OldImage,
		"POSTFLIGHT_NEW_IMAGE="+req.NewImage,
		"POSTFLIGHT_SERVICES="+strings.Join(req.Services, ","),
		"POSTFLIGHT_REASON="+req.Reason,
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var buf bytes.Buffer
	cmd.Stdout = &limitWriter{w: &buf, n: maxOutput}
	cmd.Stderr = cmd.Stdout
	// A process the command left in the background may hold its output
	// open; stop reading a while after the command itself exited.
	cmd.WaitDelay = c.grace()
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("rollback command %s not started: %w", quoteArgv(c.Argv), err)
	}
	if err := cmd.Start(); err != nil {
		res.Duration = time.Since(start)
		return res, fmt.Errorf("rollback command %s could not start: %w", quoteArgv(c.Argv), err)
	}
	reportSpawn(ctx, cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-ctx.Done():
		err = procgroup.Stop(cmd.Process.Pid, c.grace(), exited)
	}
	res.Duration = time.Since(start)
	res.Output = safetext.Text(buf.String(), maxOutput)
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case err == nil:
		res.Note = "exit status 0"
		return res, nil
	case ctx.Err() == context.DeadlineExceeded:
		return res, fmt.Errorf("rollback command %s: timed out after %s", quoteArgv(c.Argv), c.Timeout)
	case ctx.Err() != nil:
		return res, fmt.Errorf("rollback command %s: stopped: %w", quoteArgv(c.Argv), ctx.Err())
	default:
		return res, fmt.Errorf("rollback command %s: %w", quoteArgv(c.Argv), err)
	}
}

// Verify implements Driver. A command's exit status is all it tells; the
// plan's verify checks do the rest.
func (c *Command) Verify(ctx context.Context, req Request, steps []Step) (string, error) {
	return "", nil
}

// quoteArgv writes argv as a shell would read it back.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'$\\`;&|<>()*?[]{}!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// limitWriter keeps the first n bytes and drops the rest, so a chatty
// command cannot fill memory.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
