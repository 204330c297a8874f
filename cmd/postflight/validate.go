package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/plan"
)

func newValidateCmd() *cobra.Command {
	var planPath string
	cmd := &cobra.Command{
		Use:   "validate -f PLAN",
		Short: "Check a plan file without running anything",
		Long: `validate reads a plan strictly, as run does, and reports every mistake at once
with its file, line and column: unknown keys, wrong types, bad durations,
missing fields, references to services or checks that do not exist. It starts
nothing. Exit code 0 when the plan is valid, 2 when it is not.

` + kindsHelp(),
		Example: `  postflight validate -f postflight.yaml`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := plan.Load(planPath)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid plan %q: %d check(s)\n", planPath, p.Name, len(p.Checks))
			if p.Stack.Replica != nil && !p.MeasuresReplica() {
				// Fine for `check images`, which starts no replica.
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: note: run refuses this plan: no check measures the replica (every check goes to a url of its own, the host or the registry); check images runs it\n", planPath)
			}
			for i, c := range p.Checks {
				if c.ComparesService() {
					// Fine for a canary rollout, which knows the stable version.
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: note: run refuses checks[%d] (%s): a compare check of a service needs a canary rollout's stable version; give compare.baseline_url and canary_url to compare two URLs in a run\n", planPath, i, c.Name)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&planPath, "file", "f", "postflight.yaml", "plan file")
	return cmd
}
