package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/stack"
)

func newCleanupCmd() *cobra.Command {
	var runID string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "cleanup [--run ID] [--dry-run]",
		Short: "Remove containers and networks that killed runs left behind",
		Long: `cleanup removes every Docker container and network carrying postflight's
labels (` + stack.LabelManaged + `=true), or only those of one run with --run
(the run id is printed on a run's first progress line and in its reports).
A run removes what it created itself, also on SIGINT and SIGTERM; cleanup is
for runs that were killed outright (SIGKILL, a lost CI machine).`,
		Example: `  postflight cleanup --dry-run
  postflight cleanup
  postflight cleanup --run 3f9c2a1b`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := stack.NewDockerClient()
			if err != nil {
				return err
			}
			defer cli.Close()
			verb := "removed"
			var res stack.Resources
			if dryRun {
				verb = "would remove"
				res, err = stack.Labelled(cmd.Context(), cli, stack.RunLabels(runID)...)
			} else {
				res, err = stack.Sweep(cmd.Context(), cli, runID)
			}
			out := cmd.OutOrStdout()
			for _, c := range res.Containers {
				fmt.Fprintf(out, "%s container %s\n", verb, c.Name)
			}
			for _, n := range res.Networks {
				fmt.Fprintf(out, "%s network %s\n", verb, n.Name)
			}
			fmt.Fprintf(out, "%s %d container(s), %d network(s)\n", verb, len(res.Containers), len(res.Networks))
			return err
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "only the resources of this run id")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}
