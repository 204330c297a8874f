package history

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

// synthetic is a night of n requests with log-normal latencies around
// median, and the p95 latency objective measured exactly on them.
func synthetic(rng *rand.Rand, i, n int, median time.Duration) RunRecord {
	var h Histogram
	latencies := make([]time.Duration, n)
	for j := range latencies {
		latencies[j] = time.Duration(float64(median) * math.Exp(0.4*rng.NormFloat64()))
		h.Add(latencies[j])
	}
	slices.Sort(latencies)
	p95 := float64(latencies[int(math.Ceil(0.95*float64(n)))-1]) / float64(time.Millisecond)
	return night(i, p95, &h)
}

// pastOf turns records into the history Compare reads, newest first.
func pastOf(runs []RunRecord) []Past {
	out := make([]Past, 0, len(runs))
	for i := len(runs) - 1; i >= 0; i-- {
		o := runs[i].Objectives[0]
		out = append(out, Past{RunID: runs[i].RunID, Started: runs[i].Started, Observed: o.Observed, Budget: o.Budget,
			Unit: o.Unit, Status: o.Status, Distribution: runs[i].distribution(o.Check, o.Distribution)})
	}
	return out
}

func TestKnownRegressionIsFlaggedWithItsNumbers(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	rng := rand.New(rand.NewPCG(13, 7))
	for i := range 7 {
		if err := s.Record(ctx, synthetic(rng, i, 2000, 20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	tonight := synthetic(rng, 7, 2000, 25*time.Millisecond)
	got, err := s.Regression(ctx, tonight, DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	c := got[0]
	t.Log(c.Reason)
	if c.Outcome != Regression || c.Runs != 7 || c.P == nil || *c.P >= 0.01 || c.Change < 0.15 || c.Change > 0.35 {
		t.Fatalf("p95 latency 25%% slower than 7 nights: %v (%s), change %+.2f, want a regression near +25%%", c.Outcome, c.Reason, c.Change)
	}
	for _, want := range []string{"p95 latency ", " ms vs ", " ms median of the last 7 runs, +", "%, p "} {
		if !strings.Contains(c.Reason, want) {
			t.Errorf("reason %q lacks %q", c.Reason, want)
		}
	}
	// Throughput has no distribution and did not change: steady, untested.
	if tp := got[1]; tp.Outcome != Steady || tp.P != nil {
		t.Errorf("unchanged throughput: %v (%s), want steady without a test", tp.Outcome, tp.Reason)
	}
}

func TestFlatHistoryIsRarelyFlagged(t *testing.T) {
	const seeds = 200
	strict := DefaultRule
	strict.Tolerance = 0 // the significance test alone
	var flagged, flaggedStrict int
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 99))
		runs := make([]RunRecord, 8)
		for i := range runs {
			runs[i] = synthetic(rng, i, 1000, 20*time.Millisecond)
		}
		past, tonight := pastOf(runs[:7]), runs[7]
		if Compare(tonight, tonight.Objectives[0], past, DefaultRule).Outcome == Regression {
			flagged++
		}
		if Compare(tonight, tonight.Objectives[0], past, strict).Outcome == Regression {
			flaggedStrict++
		}
	}
	t.Logf("A/A over %d seeds: %d flagged by the default rule, %d by significance alone", seeds, flagged, flaggedStrict)
	if flagged > seeds*5/100 || flaggedStrict > seeds*5/100 {
		t.Errorf("flat history flagged in %d (rule) and %d (test alone) of %d seeds, want under 5%%", flagged, flaggedStrict, seeds)
	}
}

func TestFirstRunHasNoBaseline(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	rng := rand.New(rand.NewPCG(1, 1))
	first := synthetic(rng, 0, 500, 20*time.Millisecond)
	if err := s.Record(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := s.Regression(ctx, first, DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if c.Outcome != NoBaseline || c.Reason != c.Objective+": no baseline, 0 of 7 earlier runs" {
			t.Errorf("first run: %v (%s), want no baseline, 0 of 7", c.Outcome, c.Reason)
		}
	}
}

func TestCompareOutcomes(t *testing.T) {
	var h, slower Histogram
	for i := range 500 {
		h.Add(time.Duration(10+i%20) * time.Millisecond)
		slower.Add(time.Duration(14+i%20) * time.Millisecond)
	}
	history := func(n int, v float64) []Past {
		out := make([]Past, n)
		for i := range out {
			out[i] = Past{Observed: v, Unit: "ms", Status: slo.Pass, Distribution: &h}
		}
		return out
	}
	with := func(o Objective, dist *Histogram) RunRecord {
		r := night(9, 0, dist)
		r.Objectives = []Objective{o}
		return r
	}
	p95 := func(v float64) Objective {
		return Objective{Check: "load", Name: "p95 latency", Observed: v, Unit: "ms", Bound: slo.AtMost, Status: slo.Pass, Distribution: "latency"}
	}
	tests := []struct {
		name    string
		run     RunRecord
		history []Past
		want    Outcome
		reason  string
	}{
		{"faster is steady", with(p95(20), &h), history(7, 30), Steady, "p95 latency 20.0 ms vs 30.0 ms median of the last 7 runs, -33%, within 10%"},
		{"within tolerance is steady", with(p95(32), &slower), history(7, 30), Steady, "p95 latency 32.0 ms vs 30.0 ms median of the last 7 runs, +7%, within 10%"},
		{"beyond tolerance on the same distribution is not significant", with(p95(40), &h), history(7, 30), Steady, "p95 latency 40.0 ms vs 30.0 ms median of the last 7 runs, +33%, not significant (p = 0.5)"},
		{"beyond tolerance and shifted is a regression", with(p95(40), &slower), history(7, 30), Regression, "p95 latency 40.0 ms vs 30.0 ms median of the last 7 runs, +33%, p < 0.001"},
		{"beyond tolerance without distributions is inconclusive", with(p95(40), nil), history(7, 30), Inconclusive, "p95 latency 40.0 ms vs 30.0 ms median of the last 7 runs, +33%, beyond 10%, but no stored distributions to test it on"},
		{"too few runs is no baseline", with(p95(40), &slower), history(6, 30), NoBaseline, "p95 latency: no baseline, 6 of 7 earlier runs"},
		{"nothing measured is inconclusive", with(Objective{Check: "load", Name: "p95 latency", Status: slo.Inconclusive}, nil), history(7, 30), Inconclusive, "p95 latency: this run measured nothing to compare"},
		{"lower throughput without distribution is inconclusive",
			with(Objective{Check: "load", Name: "throughput", Observed: 80, Unit: "req/s", Bound: slo.AtLeast, Status: slo.Pass}, nil),
			[]Past{{Observed: 100}, {Observed: 101}, {Observed: 99}, {Observed: 100}, {Observed: 100}, {Observed: 102}, {Observed: 98}}, Inconclusive,
			"throughput 80.0 req/s vs 100 req/s median of the last 7 runs, -20%, beyond 10%, but no stored distributions to test it on"},
		{"higher throughput is steady",
			with(Objective{Check: "load", Name: "throughput", Observed: 150, Unit: "req/s", Bound: slo.AtLeast, Status: slo.Pass}, nil),
			history(7, 100), Steady, "throughput 150 req/s vs 100 req/s median of the last 7 runs, +50%, within 10%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.run, tt.run.Objectives[0], tt.history, DefaultRule)
			if c.Outcome != tt.want || c.Reason != tt.reason {
				t.Errorf("%v: %q\nwant %v: %q", c.Outcome, c.Reason, tt.want, tt.reason)
			}
		})
	}
}

// On a shared machine nights differ by more than a night's requests do:
// each night's latencies are shifted together. A night inside the range
// the history already shows is steady even when the per-request test,
// blind to that spread, finds it significant; one beyond it is flagged.
func TestNightWithinTheHistorysOwnSpreadIsNotFlagged(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	medians := []time.Duration{20, 31, 22, 28, 19, 33, 21} // ms, newest last
	runs := make([]RunRecord, 0, 9)
	for i, m := range medians {
		runs = append(runs, synthetic(rng, i, 1000, m*time.Millisecond))
	}
	past := pastOf(runs)
	strict := DefaultRule
	strict.Significance = 0.5
	within := synthetic(rng, 7, 1000, 30*time.Millisecond)
	c := Compare(within, within.Objectives[0], past, strict)
	if c.Outcome != Steady || !strings.Contains(c.Reason, "within the range of those runs (") {
		t.Errorf("a night as slow as the history's slower nights: %v (%s), want steady, within the range", c.Outcome, c.Reason)
	}
	beyond := synthetic(rng, 8, 1000, 45*time.Millisecond)
	if c := Compare(beyond, beyond.Objectives[0], past, strict); c.Outcome != Regression {
		t.Errorf("a night slower than every night of the history: %v (%s), want a regression", c.Outcome, c.Reason)
	}
}

func TestRuleValidateNamesEveryMistake(t *testing.T) {
	err := Rule{Runs: 0, Tolerance: -1, Significance: 2}.Validate()
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("three mistakes: %v", err)
	}
	if err := DefaultRule.Validate(); err != nil {
		t.Errorf("default rule: %v", err)
	}
}

func TestKnownRegressionIsFlaggedOverManySeeds(t *testing.T) {
	const seeds = 100
	var flagged int
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 7))
		runs := make([]RunRecord, 8)
		for i := range 7 {
			runs[i] = synthetic(rng, i, 1000, 20*time.Millisecond)
		}
		runs[7] = synthetic(rng, 7, 1000, 25*time.Millisecond)
		if Compare(runs[7], runs[7].Objectives[0], pastOf(runs[:7]), DefaultRule).Outcome == Regression {
			flagged++
		}
	}
	t.Logf("latency +25%%: flagged in %d of %d seeds", flagged, seeds)
	if flagged < seeds*95/100 {
		t.Errorf("a 25%% slower night flagged in %d of %d seeds, want at least 95%%", flagged, seeds)
	}
}
