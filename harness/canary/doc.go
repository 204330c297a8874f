// Package canary holds the pieces of a gradual rollout. This file's
// neighbours turn the steps a plan asks for into the number of tasks each
// step moves to the new version, before anything changes, so `--dry-run`
// can show the table and nothing is rounded away in silence.
//
// Steps are percentages of the N tasks under test, each with an optional
// floor and ceiling ({percent: 30, min: 1, max: 5}), or a linear ramp
// (over: 2h, every: 10m: a step every 10 minutes, the percentage growing
// linearly to 100% at 2h). The rules, in the order they apply to a step:
//
//  1. percent x N / 100 rounded to the nearest task, halves up;
//  2. the floor, then the ceiling, of the step;
//  3. at least 1 task: a percentage in (0, 100) never moves none;
//  4. before the last step, at most N-1 tasks: every task moves only at the
//     last step. With N = 1 this cannot hold: the one task moves at the
//     first step, and every row says so;
//  5. never fewer than the step before: counts do not go down (a lower
//     ceiling on a later step is raised, with a warning);
//  6. the last step moves all N tasks. A list that does not end at 100%
//     gets a 100% step added, and a ceiling on the last step is lifted,
//     each with a warning: a rollout never ends short of every task.
//
// No step is dropped: when rounding gives a step the same count as the one
// before, the row stays and carries a warning naming the step it repeats.
// Each row shows the share the count really is ("1 of 2, 50%"), so a 70%
// that became 50% is in plain sight.
package canary
