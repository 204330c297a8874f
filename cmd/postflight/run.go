package main

import (
	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness"
)

func newRunCmd() *cobra.Command {
	var planPath string
	var opts harness.Options
	cmd := &cobra.Command{
		Use:   "run -f PLAN [--new IMAGE] [--old IMAGE] [--report-dir DIR] [--dry-run]",
		Short: "Check a new version against a plan, and roll back if it falls short",
		Long: `run goes through a plan from start to end:

  load the plan -> bring the stack up -> run the checks
  -> compare with history (policy.regression) -> verdict
  -> roll back and verify (when the verdict calls for it) -> stack down
  -> history -> reports

Every run is kept in the history database (--history, else history.db in the
state directory): each objective's observed value and budget, and each load
check's latencies; postflight history shows them.

With policy.regression in the plan, each objective is first held against the
last runs of the plan that passed: a regression is worse than their median by
more than the tolerance and significant on the latency distributions.

  policy:
    regression:
      runs: 7              # default 7; fewer earlier runs is "no baseline", never a pass
      tolerance: 10%       # default 10%
      significance: 0.01   # default 0.01
      on_regression: warn  # default warn; fail fails the run and rolls it back

Progress goes to stderr, the summary to stdout. With a report directory (the
plan's report.dir or --report-dir) it also writes postflight.json (the whole
record), junit.xml (for CI test reports), summary.md (for CI job pages) and
report.html (for people: one self-contained page with the plots).

A replica stack is started from the plan's compose file with --new swapped in
for the services under test, on a network of its own; everything it creates is
labelled and removed at the end, on error and on SIGINT/SIGTERM.

` + kindsHelp() + `
` + exitCodesHelp,
		Example: `  # after a deploy, in CI
  postflight run -f postflight.yaml --new app:1.4.0 --old app:1.3.2 --report-dir reports

  # decide and report, but do not roll back
  postflight run -f postflight.yaml --new app:1.4.0 --old app:1.3.2 --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, planPath, opts, harness.Run)
		},
	}
	planFlags(cmd, &planPath, &opts)
	f := cmd.Flags()
	f.StringVar(&opts.NewImage, "new", "", "image under test (overrides the plan's images.new)")
	f.StringVar(&opts.OldImage, "old", "", "image to roll back to (overrides the plan's images.old)")
	f.BoolVar(&opts.DryRun, "dry-run", false, "decide and report what the rollback would do, without doing it")
	f.StringVar(&opts.History, "history", "", "history database the run is kept in (default history.db in the state directory)")
	return cmd
}
