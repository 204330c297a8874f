package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
)

const exitCodesHelp = `Exit codes:
  0    passed: every check passed
  1    failed: a check failed and the run did not roll back (no driver, or --dry-run)
  2    plan or usage error: nothing was started
  3    rolled back: the new version fell short, the old one is back and verified
  4    inconclusive: a check could not measure (target down, Docker down, timeout)
       and the plan's policy holds rather than rolls back
  5    rollback failed: the rollback command or the verification after it failed
  130  interrupted (SIGINT/SIGTERM); everything started was removed`

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "postflight",
		Short: "Post-deploy acceptance tests for container deployments",
		Long: `postflight checks a new version of a containerized service right after a deploy:
it brings up a replica of the stack from its compose file with the new image
swapped in (or targets the running stack), runs the plan's checks, and rolls
back automatically when the new version falls short.

` + exitCodesHelp,
		Example: `  postflight validate -f postflight.yaml
  postflight run -f postflight.yaml --new app:1.4.0 --old app:1.3.2 --report-dir reports
  postflight cleanup`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          needsCommand,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newRunCmd(), newRollbackCmd(), newCheckCmd(), newCanaryCmd(), newCompareCmd(), newDiffCmd(), newValidateCmd(), newCleanupCmd(), newHistoryCmd())
	return root
}

// exitCode is an error that only carries an exit code: the command has
// printed what there was to say.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit code %d", int(e)) }

// usageError is a mistake on the command line.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

// exitCodeOf maps an error to its exit code: plan and usage errors
// (cobra's own included: an unknown command or flag) are 2, anything else 1.
func exitCodeOf(err error) int {
	var pe plan.Errors
	var pe1 *plan.Error
	var ue usageError
	if errors.As(err, &pe) || errors.As(err, &pe1) || errors.As(err, &ue) || isCobraUsage(err) {
		return report.PlanError.ExitCode()
	}
	return 1
}

// isCobraUsage tells cobra's command-line errors, which it returns as plain
// errors, from failures of the work.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// requireArgs wraps cobra's argument checks as usage errors.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		hint := ""
		if cmd.Flags().Lookup("file") != nil {
			hint = fmt.Sprintf("; to name the plan, use -f %s", args[0])
		}
		return usageError{fmt.Errorf("%s takes no arguments, got %q%s (see %s --help)", cmd.Name(), args, hint, cmd.CommandPath())}
	}
	return nil
}

// needsCommand runs a command that only groups others: alone, or with a
// command it does not have ("check image"), it is a usage error. Printing
// the help and exiting 0 would read as a pass in a pipeline.
func needsCommand(cmd *cobra.Command, args []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if len(args) == 0 {
		return usageError{fmt.Errorf("%s needs a command: %s (see %s --help)", cmd.CommandPath(), strings.Join(names, ", "), cmd.CommandPath())}
	}
	hint := ""
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf("; did you mean %q?", s[0])
	}
	return usageError{fmt.Errorf("unknown command %q for %q%s (see %s --help)", args[0], cmd.CommandPath(), hint, cmd.CommandPath())}
}
