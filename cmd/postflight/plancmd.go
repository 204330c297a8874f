package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
)

// planAction is a library entry point that runs a plan and reports.
type planAction func(ctx context.Context, p *plan.Plan, opts harness.Options) (*report.Report, error)

// runPlan loads the plan, runs do with the summary on stdout and progress
// on stderr, and turns the report's outcome into the exit code.
func runPlan(cmd *cobra.Command, planPath string, opts harness.Options, do planAction) error {
	p, err := plan.Load(planPath)
	if err != nil {
		return err
	}
	opts.Console = cmd.OutOrStdout()
	opts.Progress = cmd.ErrOrStderr()
	rep, err := do(cmd.Context(), p, opts)
	if err != nil {
		return usageError{err}
	}
	if rep.ExitCode != 0 {
		return exitCode(rep.ExitCode)
	}
	return nil
}

// planFlags adds the flags every plan-running command takes.
func planFlags(cmd *cobra.Command, planPath *string, opts *harness.Options) {
	f := cmd.Flags()
	f.StringVarP(planPath, "file", "f", "postflight.yaml", "plan file")
	f.StringVar(&opts.ReportDir, "report-dir", "", "write postflight.json, junit.xml, summary.md and report.html here (overrides the plan's report.dir)")
}
