// Command postflight is a post-deploy acceptance-testing harness for
// container deployments. See `postflight --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/postflight/postflight/suites"
)

func main() {
	suites.RunPhaseIfRequested()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs the command line and returns the process exit code.
func execute(ctx context.Context, args []string) int {
	cmd := newRootCmd()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if ec, ok := err.(exitCode); ok {
		return int(ec)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "postflight: %v\n", err)
	return exitCodeOf(err)
}
