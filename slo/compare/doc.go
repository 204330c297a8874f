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
//     from the seed), which puts the median within a fraction of a percent of
//     the exact one.
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
// Options.MinSamples latencies (20 by default) on either side. The p99
// interval needs slo.P99.MinSamples() (100) latencies a side; with fewer,
// the tail is not measured, and the comparison can find the canary worse by
// location or errors but never "not worse".
//
// The verdict is the worst of the three aspects: worse, then inconclusive,
// then not worse.
package compare
