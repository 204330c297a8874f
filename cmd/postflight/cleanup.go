package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/stack"
)

func newCleanupCmd() *cobra.Command {
	var runID string
	cmd := &cobra.Command{
		Use:   "cleanup [--run ID]",
		Short: "Remove containers and networks that killed runs left behind",
		Long: `cleanup removes every Docker container and network carrying postflight's
labels (` + stack.LabelManaged + `=true), or only those of one run with --run.
A run removes what it created itself, also on SIGINT and SIGTERM; cleanup is
for runs that were killed outright (SIGKILL, a lost CI machine).`,
		Example: `  postflight cleanup
  postflight cleanup --run 3f9c2a1b`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := stack.NewDockerClient()
			if err != nil {
				return err
			}
			defer cli.Close()
			removed, err := stack.Sweep(cmd.Context(), cli, runID)
			out := cmd.OutOrStdout()
			for _, c := range removed.Containers {
				fmt.Fprintf(out, "removed container %s\n", c)
			}
			for _, n := range removed.Networks {
				fmt.Fprintf(out, "removed network %s\n", n)
			}
			fmt.Fprintf(out, "%d container(s), %d network(s) removed\n", len(removed.Containers), len(removed.Networks))
			return err
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "only the resources of this run id")
	return cmd
}
