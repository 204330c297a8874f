package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/rollback"
)

func newHistoryCmd() *cobra.Command {
	var planPath, planName, path, check, objective string
	var last int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history [-f PLAN | --plan NAME] [--check NAME [--objective NAME]] [--json]",
		Short: "Show earlier runs, and one check's objectives over them",
		Long: `history reads the run history (--history, else history.db in the state
directory: $POSTFLIGHT_STATE_DIR, else $XDG_STATE_HOME/postflight, else
~/.local/state/postflight). Alone it lists the runs, newest first; with a plan
(-f PLAN reads the plan's name, --plan names it) only that plan's runs. With
--check it shows each objective of that check over the plan's runs: the
observed value against its budget, and the latency percentiles of the stored
distribution. Runs whose objective measured nothing are left out of a trend.`,
		Example: `  postflight history
  postflight history -f postflight.yaml --check load
  postflight history --plan nightly --check load --objective "p95 latency" --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if planPath != "" {
				p, err := plan.Load(planPath)
				if err != nil {
					return err
				}
				planName = p.Name
			}
			if check == "" && objective != "" {
				return usageError{errors.New("--objective needs --check")}
			}
			if check != "" && planName == "" {
				return usageError{errors.New("--check needs a plan: -f PLAN or --plan NAME")}
			}
			if path == "" {
				dir, err := rollback.DefaultStateDir()
				if err != nil {
					return err
				}
				path = filepath.Join(dir, history.DefaultFile)
			}
			ctx := cmd.Context()
			store, err := history.Open(ctx, path)
			if err != nil {
				return err
			}
			defer func() { _ = store.Close() }()
			out := cmd.OutOrStdout()
			var shown any
			if check == "" {
				runs, err := store.List(ctx, planName, last)
				if err != nil {
					return err
				}
				if !asJSON {
					return history.WriteRuns(out, runs)
				}
				shown = runs
			} else {
				trends, err := store.Trends(ctx, planName, check, objective, last)
				if err != nil {
					return err
				}
				if !asJSON {
					return history.WriteTrends(out, trends)
				}
				shown = trends
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(shown); err != nil {
				return fmt.Errorf("write history as JSON: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&planPath, "file", "f", "", "plan file whose runs to show")
	f.StringVar(&planName, "plan", "", "name of the plan whose runs to show")
	f.StringVar(&path, "history", "", "history database (default history.db in the state directory)")
	f.StringVar(&check, "check", "", "show the objectives of this check over the runs")
	f.StringVar(&objective, "objective", "", "with --check, only this objective")
	f.IntVar(&last, "last", 30, "show at most this many runs (0: all)")
	f.BoolVar(&asJSON, "json", false, "write JSON instead of a table")
	cmd.MarkFlagsMutuallyExclusive("file", "plan")
	return cmd
}
