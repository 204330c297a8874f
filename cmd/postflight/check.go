package main

import (
	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness"
)

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run some of a plan's checks on their own",
		Args:  cobra.ArbitraryArgs,
		RunE:  needsCommand,
	}
	cmd.AddCommand(newCheckImagesCmd())
	return cmd
}

func newCheckImagesCmd() *cobra.Command {
	var planPath string
	var opts harness.Options
	cmd := &cobra.Command{
		Use:   "images -f PLAN [--new IMAGE] [--old IMAGE] [--report-dir DIR]",
		Short: "Check provenance, registry integrity and host hygiene, without a stack",
		Long: `images runs only the plan's image checks, against what is deployed and what
the registry holds; it starts no stack and rolls nothing back:

  provenance  for every container of a compose project and every task of a
              Swarm service, the running image's digest against the intended
              one (the highest semantic-version tag of its repository, or an
              image the plan names); mutable tags (latest) in a compose file,
              with file, line and column; a local image whose tag points
              elsewhere than the registry's (Swarm runs it without pulling)
  integrity   every manifest, config and layer of the new and the rollback
              image fetched from the registry and verified against its digest
  hygiene     containers that hold the stack's ports or names but belong to
              none of its owners; ports the stack needs that something else holds

A registry that cannot be asked (timeout, connection, authentication) makes a
check inconclusive with the reason, never a pass. Credentials come from the
Docker config and its credential helpers and are never printed.

Exit codes: 0 every check passed, 1 a check failed, 2 plan or usage error,
4 a check could not measure.`,
		Example: `  postflight check images -f postflight.yaml --new registry.local/shop:1.4.0 --old registry.local/shop:1.3.2`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, planPath, opts, harness.CheckImages)
		},
	}
	planFlags(cmd, &planPath, &opts)
	f := cmd.Flags()
	f.StringVar(&opts.NewImage, "new", "", `image that "new" stands for (overrides the plan's images.new)`)
	f.StringVar(&opts.OldImage, "old", "", `image that "old" stands for (overrides the plan's images.old)`)
	return cmd
}
