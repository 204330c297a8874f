// Command postflight is a post-deploy acceptance-testing harness for
// container deployments. See `postflight --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/postflight/postflight/harness/plan"
)

func main() {
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
	printError(cmd.ErrOrStderr(), err)
	return exitCodeOf(err)
}

// printError prints an error; a plan's problems one per line, under a
// count, so that editors and CI annotate each file:line:column.
func printError(w io.Writer, err error) {
	var pe plan.Errors
	if errors.As(err, &pe) && len(pe) > 1 {
		fmt.Fprintf(w, "postflight: %d problems in the plan:\n", len(pe))
		for _, e := range pe {
			fmt.Fprintf(w, "  %v\n", e)
		}
		return
	}
	fmt.Fprintf(w, "postflight: %v\n", err)
}
