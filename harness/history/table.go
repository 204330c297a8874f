package history

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// timeLayout is how tables write a run's start, in UTC.
const timeLayout = "2006-01-02 15:04 UTC"

// WriteRuns writes runs as a table, one line each.
func WriteRuns(w io.Writer, runs []Run) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs in the history")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tRUN\tPLAN\tVERDICT\tOUTCOME\tOBJECTIVES\tFAILED")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n",
			r.Started.UTC().Format(timeLayout), r.RunID, r.Plan, r.Verdict, r.Outcome, r.Objectives, r.Failed)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write runs: %w", err)
	}
	return nil
}

// Trend is one objective over the runs that measured it, newest first.
type Trend struct {
	Plan      string `json:"plan"`
	Check     string `json:"check"`
	Objective string `json:"objective"`
	Runs      []Past `json:"runs"`
}

// WriteTrend writes an objective's trend: a heading, then one line a run
// with its value, budget, status and p50/p95/p99 when a distribution was
// stored.
func WriteTrend(w io.Writer, t Trend) error {
	fmt.Fprintf(w, "%s: %s of %s, last %d runs\n", t.Plan, t.Objective, t.Check, len(t.Runs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tRUN\tOBSERVED\tBUDGET\tSTATUS\tLATENCY p50 / p95 / p99")
	for _, p := range t.Runs {
		dist := "-"
		if h := p.Distribution; h.Count() > 0 {
			dist = fmt.Sprintf("%v / %v / %v (%d requests)", rounded(h.Quantile(0.5)), rounded(h.Quantile(0.95)), rounded(h.Quantile(0.99)), h.Count())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Started.UTC().Format(timeLayout), p.RunID,
			quantity(p.Observed, p.Unit), quantity(p.Budget, p.Unit), p.Status, dist)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write trend of %s: %w", t.Objective, err)
	}
	return nil
}

// rounded keeps three significant digits of a latency, as many as its
// bucket holds.
func rounded(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit {
			return d.Round(unit)
		}
	}
	return d
}

// WriteTrends writes trends one after the other, a blank line between.
func WriteTrends(w io.Writer, trends []Trend) error {
	for i, t := range trends {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return fmt.Errorf("write trends: %w", err)
			}
		}
		if err := WriteTrend(w, t); err != nil {
			return err
		}
	}
	return nil
}
