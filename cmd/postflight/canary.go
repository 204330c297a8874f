package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/rollout"
)

const canaryHelp = `canary rolls the plan's canary services (running Swarm services) out to the new
image step by step, gated by the plan's checks.

Beside each stable service S it runs a canary service S-canary: S's spec with
the new image, on S's networks with S's name as a network alias, its ports
published in host mode on ports Swarm picks. At each step the canary runs the
step's share of the N tasks and S is scaled down by as many, so N tasks run in
all. Once both converged and the step's interval passed, the plan's checks
(canary.checks) run against the canary's tasks, at the node addresses and ports
the Swarm manager reports. Every check passed: the next step. A check failed:
abort. Inconclusive: pause until a person decides (canary.inconclusive: pause,
the default) or abort. The last step promotes: S moves to the new image with N
tasks, the canary is removed, and the verify checks run against S. An abort
scales S back to N on the old image, removes the canary and runs the verify
checks; a promotion that fails verification is rolled back the same way.

Steps come from the plan: a list ([{percent: 30, min: 1, max: 5}, {percent: 60}])
or a ramp ({over: 2h, every: 10m}); --dry-run prints the task count of every
step, with every rounding, floor, ceiling and repeated count said, before
anything changes.

The decision journal (journal.jsonl under canary/ in the state directory:
canary.state_dir, else rollback.state_dir, else $POSTFLIGHT_STATE_DIR, else
$XDG_STATE_HOME/postflight, else ~/.local/state/postflight) records, before it
is acted on, every step's changes, the tasks and nodes that run it, every
objective against its budget, and who decided (the policy, or a person by user
name) and why. "postflight canary status" prints it.

From another shell, "postflight canary resume|abort|promote -f PLAN" acts on the
rollout in progress: the running canary picks the request up while it waits
(a step's interval or a pause) and journals it before acting. A canary whose
process was killed is continued by "postflight canary resume" (which, for a
paused rollout, is the person's resume), rolled back by "abort", finished by
"promote"; running "postflight canary" again with the same --new continues it
too. SIGINT or SIGTERM stops the canary where it is (journaled, exit 130): the
services stay as they are until resume or abort. A lock per Swarm service keeps
two canaries, or a canary and "postflight rollback", off one service.

Exit codes: 0 promoted and verified, 3 aborted, rolled back and verified, 5 the
rollback or its verification failed, 4 another process holds the services (or
a request was not picked up), 2 plan or usage error (nothing changed), 130
interrupted.`

func newCanaryCmd() *cobra.Command {
	var planPath, reportDir string
	var opts rollout.Options
	cmd := &cobra.Command{
		Use:   "canary -f PLAN --new IMAGE [--dry-run] [--report-dir DIR]",
		Short: "Roll Swarm services out to a new image step by step, gated by the plan's checks",
		Long:  canaryHelp,
		Example: `  postflight canary -f postflight.yaml --new shop:1.4.0 --dry-run
  postflight canary -f postflight.yaml --new shop:1.4.0 --report-dir reports
  postflight canary status -f postflight.yaml
  postflight canary abort -f postflight.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := plan.Load(planPath)
			if err != nil {
				return err
			}
			opts.Console = cmd.OutOrStdout()
			opts.Logf = logTo(cmd)
			out, err := rollout.Start(cmd.Context(), p, opts)
			if err != nil {
				return usageError{err}
			}
			return canaryOutcome(cmd, p, out, reportDir)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&planPath, "file", "f", "postflight.yaml", "plan file")
	f.StringVar(&opts.NewImage, "new", "", "image to roll out (overrides the plan's images.new)")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the task count of every step and change nothing")
	f.StringVar(&reportDir, "report-dir", "", "write the decision journal here as canary.json and canary.txt (overrides the plan's report.dir)")
	cmd.AddCommand(newCanaryStatusCmd())
	for _, a := range rollout.Actions {
		cmd.AddCommand(newCanaryActionCmd(a))
	}
	return cmd
}

func newCanaryStatusCmd() *cobra.Command {
	var planPath, format string
	cmd := &cobra.Command{
		Use:   "status -f PLAN [--format text|json]",
		Short: "Show the rollout in progress (or the last one) and its decision journal",
		Long: `status reads the decision journal of the plan's canary services and says whether a
canary runs the rollout (and which process), is paused waiting for a person, was
stopped (its process gone: resume continues it) or finished, then lists every
entry: each step's changes, the tasks and nodes, every objective against its
budget, who decided and why. It changes nothing.`,
		Example: `  postflight canary status -f postflight.yaml
  postflight canary status -f postflight.yaml --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want text or json", format)}
			}
			p, err := plan.Load(planPath)
			if err != nil {
				return err
			}
			st, err := rollout.ReadStatus(cmd.Context(), p)
			if err != nil {
				return err
			}
			if format == "json" {
				b, err := st.JSON()
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprint(cmd.OutOrStdout(), st.Text())
			return nil
		},
	}
	cmd.Flags().StringVarP(&planPath, "file", "f", "postflight.yaml", "plan file")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

var actionHelp = map[string]string{
	rollout.Resume:  "Resume a paused rollout, or continue one whose canary was killed",
	rollout.Abort:   "Abort the rollout: the stable services back to every task on the old image, verified",
	rollout.Promote: "Promote now: every task to the new image, the canary removed, verified",
}

func newCanaryActionCmd(action string) *cobra.Command {
	var planPath, reportDir string
	cmd := &cobra.Command{
		Use:   action + " -f PLAN",
		Short: actionHelp[action],
		Long: actionHelp[action] + `.

When a canary runs the rollout, the request is left for it in the state
directory; it journals the request with your user name and acts on it while it
waits (a step's interval or a pause). This command returns once the journal
records it (exit 0), or after 30s when it does not (exit 4). When no process
runs the rollout (its canary was killed), this command takes it over from its
journal and carries it on itself, with the exit codes of "postflight canary".`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := plan.Load(planPath)
			if err != nil {
				return err
			}
			out, err := rollout.Act(cmd.Context(), p, action, rollout.Options{Logf: logTo(cmd)})
			if err != nil {
				return usageError{err}
			}
			return canaryOutcome(cmd, p, out, reportDir)
		},
	}
	cmd.Flags().StringVarP(&planPath, "file", "f", "postflight.yaml", "plan file")
	cmd.Flags().StringVar(&reportDir, "report-dir", "", "write the decision journal here as canary.json and canary.txt (overrides the plan's report.dir)")
	return cmd
}

// canaryOutcome prints how a rollout ended, writes its journal into the
// reports and returns its exit code.
func canaryOutcome(cmd *cobra.Command, p *plan.Plan, out rollout.Outcome, reportDir string) error {
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", out.Outcome, out.Reason)
	if dir := reportDirOf(p, reportDir); dir != "" && out.Outcome != rollout.OutcomeDryRun {
		st, err := rollout.ReadStatus(cmd.Context(), p)
		if err == nil {
			err = rollout.WriteReports(dir, st)
		}
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "postflight: reports: %v\n", err)
		}
	}
	if out.ExitCode != 0 {
		return exitCode(out.ExitCode)
	}
	return nil
}

func reportDirOf(p *plan.Plan, flag string) string {
	if flag != "" {
		return flag
	}
	return p.Resolve(p.Report.Dir)
}

func logTo(cmd *cobra.Command) func(string, ...any) {
	w := cmd.ErrOrStderr()
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}
