package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

// lognormal draws n latencies with the given median and log-spread, plus
// shift, from seed.
func lognormal(seed uint64, n int, med time.Duration, sigma float64, shift time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 42))
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = time.Duration(float64(med)*math.Exp(sigma*rng.NormFloat64())) + shift
	}
	return d
}

func ok(lat []time.Duration) Sample {
	return Sample{Latencies: lat, Requests: len(lat)}
}

func ms(v ...float64) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x * float64(time.Millisecond))
	}
	return d
}

func repeat(d []time.Duration, times int) []time.Duration {
	var out []time.Duration
	for range times {
		out = append(out, d...)
	}
	return out
}

func mustCompare(t *testing.T, baseline, canary Sample, o Options) Result {
	t.Helper()
	r, err := Compare(baseline, canary, o)
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	return r
}

// tally runs a comparison for each of seeds and counts the verdicts.
func tally(t *testing.T, seeds int, pair func(seed uint64) (Sample, Sample)) map[Verdict]int {
	t.Helper()
	got := map[Verdict]int{}
	for s := range uint64(seeds) {
		b, c := pair(s)
		o := DefaultOptions()
		o.Seed = s
		got[mustCompare(t, b, c, o).Verdict]++
	}
	return got
}

func TestSameDistributionIsRarelyFoundWorse(t *testing.T) {
	const seeds = 200
	for _, n := range []int{200, 1000} {
		got := tally(t, seeds, func(s uint64) (Sample, Sample) {
			return ok(lognormal(2*s, n, 100*time.Millisecond, 0.3, 0)), ok(lognormal(2*s+1, n, 100*time.Millisecond, 0.3, 0))
		})
		t.Logf("A/A n=%d over %d seeds: worse %d, inconclusive %d, not worse %d", n, seeds, got[Worse], got[Inconclusive], got[NotWorse])
		if got[Worse] > seeds*5/100 {
			t.Errorf("A/A n=%d: found worse in %d of %d runs, want at most 5%%", n, got[Worse], seeds)
		}
	}
}

func TestTenPercentShiftAtTwoHundredIsFound(t *testing.T) {
	const seeds = 200
	// sigma is the log-spread of the latencies: 0.2 puts the p99 at 1.6
	// times the median, 0.3 at 2 times. The wider, the harder to tell a
	// shift of 10% of the median from noise.
	for _, tt := range []struct {
		sigma               float64
		minFound, maxPassed int
	}{{0.2, seeds * 95 / 100, seeds / 100}, {0.3, seeds * 85 / 100, seeds * 25 / 1000}} {
		got := tally(t, seeds, func(s uint64) (Sample, Sample) {
			return ok(lognormal(2*s, 200, 100*time.Millisecond, tt.sigma, 0)), ok(lognormal(2*s+1, 200, 100*time.Millisecond, tt.sigma, 10*time.Millisecond))
		})
		t.Logf("+10%% shift n=200 sigma %v over %d seeds: worse %d, inconclusive %d, not worse %d", tt.sigma, seeds, got[Worse], got[Inconclusive], got[NotWorse])
		if got[Worse] < tt.minFound || got[NotWorse] > tt.maxPassed {
			t.Errorf("+10%% shift, sigma %v: found worse in %d and passed in %d of %d runs, want at least %d found and at most %d passed",
				tt.sigma, got[Worse], got[NotWorse], seeds, tt.minFound, tt.maxPassed)
		}
	}
}

func TestHeavierTailWithTheSameMedianIsFoundByP99(t *testing.T) {
	const seeds = 50
	var tail, location int
	for s := range uint64(seeds) {
		o := DefaultOptions()
		o.Seed = s
		r := mustCompare(t, ok(lognormal(2*s, 1000, 100*time.Millisecond, 0.2, 0)), ok(lognormal(2*s+1, 1000, 100*time.Millisecond, 0.5, 0)), o)
		if r.Verdict != Worse {
			t.Errorf("seed %d: verdict %v, want worse: %s", s, r.Verdict, r.Reason)
		}
		if r.Tail.Verdict == Worse {
			tail++
		}
		if r.Location.Verdict == Worse {
			location++
		}
	}
	t.Logf("variance blow-up over %d seeds: p99 found it %d times, the location test %d", seeds, tail, location)
	if tail != seeds {
		t.Errorf("p99 found the heavier tail in %d of %d runs, want all", tail, seeds)
	}
}

// Kayenta #426 passed a canary of [0,1,2,1,0,0] against a baseline of zeros.
// Here: too few samples is inconclusive; the same pattern with enough
// samples is worse, as latencies or as errors; a difference beyond the
// tolerance that the samples cannot yet tell from chance is inconclusive.
func TestSmallNonZeroAgainstZerosIsNeverPassedAsEqual(t *testing.T) {
	pattern := ms(0, 1, 2, 1, 0, 0)
	zeros := ms(0, 0, 0, 0, 0, 0)
	tests := []struct {
		name             string
		baseline, canary Sample
		want             Verdict
		reason           string
	}{
		{"six latencies a side", ok(zeros), ok(pattern), Inconclusive, "too few samples: 6 baseline and 6 canary latencies, need 20 a side"},
		{"the pattern 20 times as latencies", ok(repeat(zeros, 20)), ok(repeat(pattern, 20)), Worse, "canary worse: p99 significant"},
		{"4 errors of 120 against none", Sample{Latencies: repeat(zeros, 20), Requests: 120},
			Sample{Latencies: repeat(zeros, 20), Requests: 120, Errors: 4}, Inconclusive, "error rate beyond the tolerance but not significant"},
		{"40 errors of 1200 against none", Sample{Latencies: repeat(zeros, 200), Requests: 1200},
			Sample{Latencies: repeat(zeros, 200), Requests: 1200, Errors: 40}, Worse, "canary worse: error rate significant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCompare(t, tt.baseline, tt.canary, DefaultOptions())
			if r.Verdict != tt.want || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("verdict %v, %q; want %v, containing %q", r.Verdict, r.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestMissingOrScarceDataIsInconclusive(t *testing.T) {
	plenty := ok(lognormal(1, 200, 100*time.Millisecond, 0.3, 0))
	tests := []struct {
		name             string
		baseline, canary Sample
		reason           string
	}{
		// Kayenta #799 passed a canary whose control had no data.
		{"no baseline", Sample{}, plenty, "no baseline data"},
		{"no canary", plenty, Sample{}, "no canary data"},
		{"no data at all", Sample{}, Sample{}, "no baseline or canary data"},
		{"baseline requests all failed without a latency", Sample{Requests: 50, Errors: 50}, plenty, "no baseline data"},
		{"one of three canary requests failing, none timed", plenty, Sample{Requests: 3, Errors: 1}, "no canary data"},
		{"19 canary latencies", plenty, ok(lognormal(2, 19, 100*time.Millisecond, 0.3, 0)), "too few samples: 200 baseline and 19 canary latencies, need 20 a side"},
		{"same distribution, too few for the p99", ok(lognormal(3, 60, 100*time.Millisecond, 0.3, 0)), ok(lognormal(4, 60, 100*time.Millisecond, 0.3, 0)), "p99 not compared (100 latencies a side needed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCompare(t, tt.baseline, tt.canary, DefaultOptions())
			if r.Verdict != Inconclusive || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("verdict %v, %q; want inconclusive, containing %q", r.Verdict, r.Reason, tt.reason)
			}
			if r.Verdict.Status().String() != "inconclusive" {
				t.Errorf("status %v, want inconclusive", r.Verdict.Status())
			}
		})
	}
}

// A canary whose every request fails has no latency to compare, and is
// worse all the same.
func TestCanaryFailingEveryRequestIsWorseWithoutLatencies(t *testing.T) {
	r := mustCompare(t, ok(lognormal(1, 200, 100*time.Millisecond, 0.3, 0)), Sample{Requests: 200, Errors: 200}, DefaultOptions())
	if r.Verdict != Worse || !strings.Contains(r.Reason, "canary worse: error rate significant") || !strings.Contains(r.Reason, "no canary data") || !strings.Contains(r.Reason, "errors 100% vs 0%") {
		t.Errorf("verdict %v: %s; want worse by the error rate", r.Verdict, r.Reason)
	}
}

func TestLocationAloneCanFindWorseWithoutTheP99(t *testing.T) {
	r := mustCompare(t, ok(lognormal(5, 60, 100*time.Millisecond, 0.3, 0)), ok(lognormal(6, 60, 100*time.Millisecond, 0.3, 50*time.Millisecond)), DefaultOptions())
	if r.Verdict != Worse || r.Tail.Measured || r.Location.Verdict != Worse {
		t.Errorf("verdict %v (location %v, tail measured %v): %s; want worse by location alone", r.Verdict, r.Location.Verdict, r.Tail.Measured, r.Reason)
	}
}

func TestShiftWithinTheToleranceIsNotWorse(t *testing.T) {
	// Significant but small: 2 ms on a 100 ms median with a 5% tolerance.
	base := lognormal(7, 2000, 100*time.Millisecond, 0.1, 0)
	canary := lognormal(8, 2000, 100*time.Millisecond, 0.1, 2*time.Millisecond)
	r := mustCompare(t, ok(base), ok(canary), DefaultOptions())
	if r.Location.P >= DefaultSignificance {
		t.Fatalf("U p = %v: the fixture should be significant", r.Location.P)
	}
	if r.Verdict != NotWorse {
		t.Errorf("verdict %v: %s; want not worse", r.Verdict, r.Reason)
	}
	o := DefaultOptions()
	o.Tolerance = 0.01
	if r := mustCompare(t, ok(base), ok(canary), o); r.Location.Verdict != Worse {
		t.Errorf("tolerance 1%%: location %v: %s; want worse", r.Location.Verdict, r.Reason)
	}
}

func TestIdenticalConstantLatenciesAreNotWorse(t *testing.T) {
	flat := repeat(ms(5), 200)
	r := mustCompare(t, ok(flat), ok(flat), DefaultOptions())
	if r.Verdict != NotWorse || r.Location.P != 1 || r.Location.Shift != 0 || r.Tail.Diff != 0 {
		t.Errorf("verdict %v, U p %v, shift %v, p99 diff %v: %s; want not worse, p 1, no shift", r.Verdict, r.Location.P, r.Location.Shift, r.Tail.Diff, r.Reason)
	}
}

func TestSameSeedSameResult(t *testing.T) {
	b, c := ok(lognormal(9, 700, 100*time.Millisecond, 0.3, 0)), ok(lognormal(10, 700, 100*time.Millisecond, 0.3, 0))
	first, again := mustCompare(t, b, c, DefaultOptions()), mustCompare(t, b, c, DefaultOptions())
	if first.Reason != again.Reason || first.Tail != again.Tail || first.Location != again.Location {
		t.Errorf("two runs differ:\n%s\n%s", first.Reason, again.Reason)
	}
	if !first.Location.Sampled || first.Location.Pairs != DefaultPairs {
		t.Errorf("700x700 pairs: sampled %v, %d pairs; want %d drawn", first.Location.Sampled, first.Location.Pairs, DefaultPairs)
	}
}

func TestSampledShiftIsCloseToTheExactOne(t *testing.T) {
	b := lognormal(11, 400, 100*time.Millisecond, 0.3, 0)
	c := lognormal(12, 400, 100*time.Millisecond, 0.3, 8*time.Millisecond)
	exact := DefaultOptions()
	exact.Pairs = 400 * 400
	sampled := DefaultOptions()
	sampled.Pairs = 20_000
	e, s := mustCompare(t, ok(b), ok(c), exact).Location, mustCompare(t, ok(b), ok(c), sampled).Location
	if e.Sampled || !s.Sampled {
		t.Fatalf("exact sampled %v, subsample sampled %v", e.Sampled, s.Sampled)
	}
	if diff := (e.Shift - s.Shift).Abs(); diff > time.Millisecond {
		t.Errorf("exact shift %v, from 20000 pairs %v: %v apart, want within 1ms", e.Shift, s.Shift, diff)
	}
}

// The p99 of a bootstrap resample, drawn from the top down, has the
// distribution of the p99 of a resample drawn in full and sorted.
func TestResampledP99MatchesAFullResample(t *testing.T) {
	sorted := lognormal(13, 300, 100*time.Millisecond, 0.3, 0)
	slices.Sort(sorted)
	const draws = 20000
	fast, full := map[time.Duration]int{}, map[time.Duration]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	r := newResampler(sorted)
	resample := make([]time.Duration, len(sorted))
	for range draws {
		fast[r.p99(rng)]++
		for i := range resample {
			resample[i] = sorted[rng.IntN(len(sorted))]
		}
		slices.Sort(resample)
		full[slo.Percentile(resample, float64(slo.P99))]++
	}
	// Compare the two distributions by their cumulative frequencies over
	// the top of the sample (Kolmogorov-Smirnov distance).
	var cf, cu, worst float64
	for i := len(sorted) - 1; i >= 0; i-- {
		cf += float64(fast[sorted[i]]) / draws
		cu += float64(full[sorted[i]]) / draws
		worst = math.Max(worst, math.Abs(cf-cu))
	}
	if worst > 0.02 {
		t.Errorf("distributions of the resampled p99 differ by %.3f, want under 0.02", worst)
	}
}

func TestInvalidInputIsAnError(t *testing.T) {
	good := ok(lognormal(1, 30, time.Millisecond, 0.3, 0))
	zero := Options{}
	if _, err := Compare(good, good, zero); err == nil || !strings.Contains(err.Error(), "significance 0") || !strings.Contains(err.Error(), "resamples 0") {
		t.Errorf("zero options: %v; want every invalid option named", err)
	}
	tests := []struct {
		name             string
		baseline, canary Sample
		want             string
	}{
		{"more errors than requests", Sample{Requests: 1, Errors: 2}, good, "baseline: 2 errors of 1 requests"},
		{"more latencies than requests", good, Sample{Latencies: ms(1, 2), Requests: 1}, "canary: 2 latencies for 1 requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compare(tt.baseline, tt.canary, DefaultOptions()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want one containing %q", err, tt.want)
			}
		})
	}
}
