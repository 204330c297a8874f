package main

import (
	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness"
)

func newRollbackCmd() *cobra.Command {
	var planPath string
	var resume bool
	var opts harness.Options
	cmd := &cobra.Command{
		Use:   "rollback -f PLAN [--old IMAGE] [--new IMAGE] [--resume] [--dry-run]",
		Short: "Roll back now, skipping the checks, then verify the old version",
		Long: `rollback puts the old version back with the plan's rollback driver right away —
no stack is tested first — and then runs the plan's verify checks against it.

Every step (decided, started, each service done, verified) is appended to a
journal in the state directory (rollback.state_dir, else $POSTFLIGHT_STATE_DIR,
else $XDG_STATE_HOME/postflight, else ~/.local/state/postflight) before it is
acted on. A rollback that was interrupted — the process killed, the machine
lost — is picked up by --resume (which converges this plan's rollbacks only),
or by the next rollback of the same target, and converges; doing it twice does
no harm. Journals and locks name the plan by its absolute path, symlinks
resolved. One rollback per target runs at a time: a second one waits up to
rollback.lock_timeout, then exits inconclusive and says who holds the lock
(pid, host, run id, since when). One that waited while the holder rolled the
same new version back to the same old one does not act again: it exits with
the holder's outcome (3 once its verify checks pass, 5 when the holder failed).

A rollback command runs in a process group of its own; an interrupt (SIGINT,
SIGTERM) sends it SIGTERM, then SIGKILL after 5s, and waits until none of its
processes is left. A resume never starts a command beside one left running by
a killed postflight: it waits up to rollback.lock_timeout for it, then exits
inconclusive. Command output, receiver answers and errors are shown with URL
credentials and echoed secrets redacted and control characters escaped.

Drivers: command (runs a command with the images and reason in its
environment), swarm (services back to their previous spec or an image, every
task confirmed on the old image), docker (containers recreated with the old
image and otherwise the same configuration, one at a time), webhook (a signed
JSON POST).

Exit codes: 3 rolled back and verified (a rollback never exits 0), 5 the
rollback or its verification failed, 4 another rollback holds the target,
2 plan or usage error, 0 --resume found nothing to resume, 1 a dry run.`,
		Example: `  postflight rollback -f postflight.yaml --old app:1.3.2 --new app:1.4.0
  postflight rollback -f postflight.yaml --old app:1.3.2 --dry-run
  postflight rollback -f postflight.yaml --resume`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if resume {
				return runPlan(cmd, planPath, opts, harness.ResumeRollbacks)
			}
			return runPlan(cmd, planPath, opts, harness.RollBack)
		},
	}
	planFlags(cmd, &planPath, &opts)
	f := cmd.Flags()
	f.StringVar(&opts.OldImage, "old", "", "image to roll back to (overrides the plan's images.old)")
	f.StringVar(&opts.NewImage, "new", "", "image being rolled back (overrides the plan's images.new)")
	f.BoolVar(&resume, "resume", false, "converge rollbacks an interrupted run left unfinished, and nothing else")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the plan of action and change nothing")
	return cmd
}
