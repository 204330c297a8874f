// Package compare decides whether a canary is worse than its baseline, from
// the latencies and error counts of the same load sent to both. It is pure:
// no I/O, no clocks; its random draws come from a seed, so a comparison of
// the same samples with the same options always says the same thing.
//
// Three aspects are judged, each with a test of significance and an effect
// size held to a tolerance:
//
//   - Location: a one-sided Mann-Whitney U test (is the canary slower?) and
//     the Hodges-Lehmann shift, the median of the differences canary-baseline
//     over pairs of samples. All n1*n2 pairs are used up to Options.Pairs;
//     beyond that, Options.Pairs pairs drawn at random (with replacement,
//     from the seed). The median of 20,000 drawn pairs lies within 1 ms of
//     the exact shift on a service with a 100 ms median (tested); the
//     default draws 100,000.
//   - Tail: the difference of the p99s (nearest rank, as slo reports them),
//     with a percentile bootstrap interval: Options.Resamples resamples of
//     each side drawn with replacement from the seed. The interval is the
//     central 1-2*Significance one, so its lower bound above zero is a
//     one-sided test at Significance. This is what catches a heavier tail
//     with the same median, which a location test passes.
//   - Errors: the error rates compared by a one-sided Fisher exact test
//     (exact at every count, small or large).
//
// An aspect is worse when its test is significant (p, or the interval's
// lower bound, below Significance) and its effect is beyond the tolerance:
// the larger of Tolerance times the baseline's value (its median for the
// shift, its p99 for the tail, its error rate for errors) and the absolute
// floor (Floor for latencies, ErrorFloor for error rates). It is not worse
// when its effect is within the tolerance. An effect beyond the tolerance
// that is not significant is inconclusive, never a pass: the data lean
// towards worse and are too few to tell. So a canary with errors where the
// baseline has none (Kayenta #426) is never passed as equal: it is worse
// when the difference is significant, inconclusive when it is not.
//
// The minimum samples: no requests on either side is inconclusive (Kayenta
// #799: no baseline data is not a pass), and so are fewer than
// Options.MinSamples latencies (20 by default) on either side — unless the
// error rates alone, compared whenever both sides sent requests, find the
// canary worse: a canary that fails every request has no latency and is
// worse all the same. The p99
// interval needs slo.P99.MinSamples() (100) latencies a side; with fewer,
// the tail is not measured, and the comparison can find the canary worse by
// location or errors but never "not worse".
//
// The verdict is the worst of the three aspects: worse, then inconclusive,
// then not worse.
//
// The defaults (DefaultOptions): significance 0.01, tolerance 5% with a
// floor of 1 ms and of 0.1 percentage points of errors, 20 samples a side,
// 2,000 bootstrap resamples, 100,000 pairs, seed 1. The p99 of a few
// hundred samples moves by more than 5% from one sample to the next: at
// 200 a side, two samples of the same service leave the p99 undecided
// (beyond the tolerance, not significant) about a third of the time, and
// at 1,000 a side about a sixth. Undecided is inconclusive, not worse:
// more samples, or a larger Tolerance, decide it.
package compare
