package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/harness/stack"
)

func newCleanupCmd() *cobra.Command {
	var runID string
	var dryRun, all bool
	cmd := &cobra.Command{
		Use:   "cleanup [--run ID] [--all] [--dry-run]",
		Short: "Remove containers and networks that killed runs left behind",
		Long: `cleanup removes Docker containers and networks carrying postflight's labels
(` + stack.LabelManaged + `=true) whose run is over: it leaves alone the
resources of runs whose process still runs on this host, so it is safe while
other runs are under way. --all removes those too; --run removes one run's,
live or not (the run id is on a run's first progress line and in its reports).
It also removes the work directories (test binaries, reports) of users'
Ginkgo suites whose run is over, in the system's temporary directory, and
kills whatever of those suites still runs: a suite's own child processes
outlive a run killed outright. --all takes those of live runs too; --run
does not narrow them (a suite's directory is told by its run's process).
A run removes what it created itself, also on SIGINT and SIGTERM; cleanup is
for runs that were killed outright (SIGKILL, a lost CI machine).`,
		Example: `  postflight cleanup --dry-run
  postflight cleanup
  postflight cleanup --run 3f9c2a1b`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Suites first: one a killed run left may still be running.
			suitesErr := cleanSuites(cmd.OutOrStdout(), all, dryRun)
			cli, err := stack.NewDockerClient(cmd.Context())
			if err != nil {
				return errors.Join(suitesErr, err)
			}
			defer cli.Close()
			verb := "removed"
			var res, kept stack.Resources
			if dryRun {
				verb = "would remove"
				res, err = stack.Labelled(cmd.Context(), cli, stack.RunLabels(runID)...)
				if runID == "" && !all {
					res, kept = res.Split()
				}
			} else {
				res, kept, err = stack.Sweep(cmd.Context(), cli, runID, all)
			}
			out := cmd.OutOrStdout()
			for _, c := range res.Containers {
				fmt.Fprintf(out, "%s container %s\n", verb, c.Name)
			}
			for _, n := range res.Networks {
				fmt.Fprintf(out, "%s network %s\n", verb, n.Name)
			}
			fmt.Fprintf(out, "%s %d container(s), %d network(s)\n", verb, len(res.Containers), len(res.Networks))
			if kept.Len() > 0 {
				fmt.Fprintf(out, "left %d container(s), %d network(s) of runs still under way (--all removes them too)\n", len(kept.Containers), len(kept.Networks))
			}
			return errors.Join(suitesErr, err)
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "only the resources of this run id, live or not")
	cmd.Flags().BoolVar(&all, "all", false, "also the resources of runs still under way")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}

// cleanSuites removes (or, with dryRun, lists) the work directories of
// suites whose run is over, or of all with all, and says what it did.
func cleanSuites(out io.Writer, all, dryRun bool) error {
	verb := "removed"
	var removed, kept []ginkgosuite.Leftover
	var err error
	if dryRun {
		verb = "would remove"
		var found []ginkgosuite.Leftover
		found, err = ginkgosuite.Leftovers()
		for _, l := range found {
			if l.Live && !all {
				kept = append(kept, l)
			} else {
				removed = append(removed, l)
			}
		}
	} else {
		removed, kept, err = ginkgosuite.Sweep(all)
	}
	for _, l := range removed {
		fmt.Fprintf(out, "%s suite work directory %s", verb, l.Dir)
		if len(l.Killed) > 0 {
			fmt.Fprintf(out, " (killed %d process(es) of its suite: %v)", len(l.Killed), l.Killed)
		}
		fmt.Fprintln(out)
	}
	if len(kept) > 0 {
		fmt.Fprintf(out, "left %d suite work director(ies) of runs still under way (--all removes them too)\n", len(kept))
	}
	return err
}
