package rollback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// maxOutput bounds the command output kept for the report.
const maxOutput = 64 << 10

// Command rolls back by running a command the user configured. It gets the
// details in its environment:
//
//	POSTFLIGHT_RUN_ID, POSTFLIGHT_PLAN, POSTFLIGHT_OLD_IMAGE,
//	POSTFLIGHT_NEW_IMAGE, POSTFLIGHT_SERVICES (comma-separated),
//	POSTFLIGHT_REASON
//
// Exit status 0 means the rollback was applied.
type Command struct {
	Argv    []string
	Dir     string
	Timeout time.Duration
}

var _ Driver = (*Command)(nil)

// Name implements Driver.
func (c *Command) Name() string { return "command" }

// Describe implements Driver.
func (c *Command) Describe(req Request) string {
	return fmt.Sprintf("run %s with POSTFLIGHT_OLD_IMAGE=%s POSTFLIGHT_NEW_IMAGE=%s", quoteArgv(c.Argv), req.OldImage, req.NewImage)
}

// RollBack implements Driver.
func (c *Command) RollBack(ctx context.Context, req Request) (Outcome, error) {
	out := Outcome{Driver: c.Name(), Action: "run " + quoteArgv(c.Argv), ExitCode: -1}
	if len(c.Argv) == 0 {
		return out, errors.New("rollback command is empty")
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(),
		"POSTFLIGHT_RUN_ID="+req.RunID,
		"POSTFLIGHT_PLAN="+req.PlanPath,
		"POSTFLIGHT_OLD_IMAGE="+req.OldImage,
		"POSTFLIGHT_NEW_IMAGE="+req.NewImage,
		"POSTFLIGHT_SERVICES="+strings.Join(req.Services, ","),
		"POSTFLIGHT_REASON="+req.Reason,
	)
	var buf bytes.Buffer
	cmd.Stdout = &limitWriter{w: &buf, n: maxOutput}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	out.Duration = time.Since(start)
	out.Output = buf.String()
	if cmd.ProcessState != nil {
		out.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() == context.DeadlineExceeded:
		return out, fmt.Errorf("rollback command %s: timed out after %s", quoteArgv(c.Argv), c.Timeout)
	default:
		return out, fmt.Errorf("rollback command %s: %w", quoteArgv(c.Argv), err)
	}
}

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// limitWriter keeps the first n bytes and drops the rest, so a chatty
// command cannot fill memory.
type limitWriter struct {
	w interface{ Write([]byte) (int, error) }
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
