package canary

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func percents(p ...float64) []Step {
	s := make([]Step, len(p))
	for i, v := range p {
		s[i] = Step{Percent: v}
	}
	return s
}

func linear(t *testing.T, over, every time.Duration) []Step {
	t.Helper()
	s, err := Linear{Over: over, Every: every}.Steps()
	if err != nil {
		t.Fatalf("linear steps: %v", err)
	}
	return s
}

func TestTaskCountsForTypicalStepsAndSizes(t *testing.T) {
	quarters := percents(10, 25, 50, 100)
	floorCeiling := []Step{{Percent: 30, Min: 1, Max: 5}}
	ramp := linear(t, 2*time.Hour, 10*time.Minute)
	tests := []struct {
		name  string
		tasks int
		steps []Step
		want  []int
		// warned lists the steps that carry a warning.
		warned []int
	}{
		{"10/25/50/100 of 1", 1, quarters, []int{1, 1, 1, 1}, []int{1, 2, 3, 4}},
		{"10/25/50/100 of 2", 2, quarters, []int{1, 1, 1, 2}, []int{2, 3}},
		{"10/25/50/100 of 3", 3, quarters, []int{1, 1, 2, 3}, []int{2}},
		{"10/25/50/100 of 7", 7, quarters, []int{1, 2, 4, 7}, nil},
		{"10/25/50/100 of 100", 100, quarters, []int{10, 25, 50, 100}, nil},

		{"30% min 1 max 5 of 1", 1, floorCeiling, []int{1, 1}, []int{1, 2}},
		{"30% min 1 max 5 of 2", 2, floorCeiling, []int{1, 2}, []int{2}},
		{"30% min 1 max 5 of 3", 3, floorCeiling, []int{1, 3}, []int{2}},
		{"30% min 1 max 5 of 7", 7, floorCeiling, []int{2, 7}, []int{2}},
		{"30% min 1 max 5 of 100", 100, floorCeiling, []int{5, 100}, []int{2}},

		{"over 2h every 10m of 1", 1, ramp, slices.Repeat([]int{1}, 12), []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"over 2h every 10m of 2", 2, ramp, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"over 2h every 10m of 3", 3, ramp, []int{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3}, []int{2, 3, 4, 5, 7, 8, 9, 10, 11}},
		{"over 2h every 10m of 7", 7, ramp, []int{1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 6, 7}, []int{2, 4, 7, 9, 11}},
		{"over 2h every 10m of 100", 100, ramp, []int{8, 17, 25, 33, 42, 50, 58, 67, 75, 83, 92, 100}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := NewTable(tt.tasks, tt.steps)
			if err != nil {
				t.Fatalf("table: %v", err)
			}
			if got := table.Counts(); !slices.Equal(got, tt.want) {
				t.Errorf("counts %v, want %v\n%s", got, tt.want, table)
			}
			var warned []int
			for _, r := range table.Rows {
				if slices.ContainsFunc(r.Notes, func(n Note) bool { return n.Warning }) {
					warned = append(warned, r.Step)
				}
			}
			if !slices.Equal(warned, tt.warned) {
				t.Errorf("warnings on steps %v, want %v\n%s", warned, tt.warned, table)
			}
		})
	}
}

// Whatever the steps, the rules hold: at least 1 task, never down, all
// tasks only at the last step (N > 1), the last step all of them, no step
// dropped, and every repeated count warned about.
func TestRulesHoldForRandomSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := 1 + rng.IntN(50)
		var steps []Step
		p := 0.0
		for p < 100 && len(steps) < 12 {
			p = min(100, p+0.5+rng.Float64()*40)
			s := Step{Percent: p}
			if rng.IntN(3) == 0 {
				s.Min = rng.IntN(4)
				s.Max = s.Min + rng.IntN(6)
			}
			steps = append(steps, s)
		}
		table, err := NewTable(n, steps)
		if err != nil {
			t.Fatalf("%d tasks, steps %v: %v", n, steps, err)
		}
		rows := table.Rows
		wantRows := len(steps)
		if steps[len(steps)-1].Percent < 100 {
			wantRows++
		}
		if len(rows) != wantRows {
			t.Fatalf("%d tasks, steps %v: %d rows, want %d", n, steps, len(rows), wantRows)
		}
		for i, r := range rows {
			last := i == len(rows)-1
			switch {
			case r.Tasks < 1:
				t.Errorf("%d tasks, steps %v: step %d moves %d tasks", n, steps, r.Step, r.Tasks)
			case last && r.Tasks != n:
				t.Errorf("%d tasks, steps %v: last step moves %d", n, steps, r.Tasks)
			case !last && n > 1 && r.Tasks >= n:
				t.Errorf("%d tasks, steps %v: step %d moves every task before the last", n, steps, r.Step)
			case i > 0 && r.Tasks < rows[i-1].Tasks:
				t.Errorf("%d tasks, steps %v: step %d goes down to %d", n, steps, r.Step, r.Tasks)
			case i > 0 && r.Tasks == rows[i-1].Tasks && !slices.ContainsFunc(r.Notes, func(n Note) bool { return n.Warning }):
				t.Errorf("%d tasks, steps %v: step %d repeats a count without a warning", n, steps, r.Step)
			}
		}
	}
}

func TestRoundingIsShownNotHidden(t *testing.T) {
	// Argo Rollouts #2281: 70% of 2 pods became 50% silently.
	table, err := NewTable(2, []Step{{Percent: 30}, {Percent: 70}})
	if err != nil {
		t.Fatal(err)
	}
	want := `STEP  PERCENT ASKED  TASKS          NOTE
1     30%            1 of 2 (50%)
2     70%            1 of 2 (50%)   warning: same count as step 1: nothing more moves
3     100%           2 of 2 (100%)  warning: added: a rollout ends with every task on the new version
`
	if got := table.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	wantWarnings := []string{
		"step 2: same count as step 1: nothing more moves",
		"step 3: added: a rollout ends with every task on the new version",
	}
	if got := table.Warnings(); !slices.Equal(got, wantWarnings) {
		t.Errorf("warnings %q, want %q", got, wantWarnings)
	}
}

func TestFloorsCeilingsAndCapsAreNoted(t *testing.T) {
	table, err := NewTable(10, []Step{{Percent: 5, Min: 2}, {Percent: 50, Max: 3}, {Percent: 60, Max: 2}, {Percent: 95}, {Percent: 100, Max: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := table.Counts(), []int{2, 3, 3, 9, 10}; !slices.Equal(got, want) {
		t.Errorf("counts %v, want %v\n%s", got, want, table)
	}
	for _, want := range []string{
		"floor 2",
		"ceiling 3",
		"warning: raised from 2 to 3: counts never go down",
		"warning: capped at 9: every task moves only at the last step",
		"warning: ceiling 4 lifted: the last step moves every task",
	} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table has no %q:\n%s", want, table)
		}
	}
}

func TestLinearRampEndsAtOverWhenNotAMultiple(t *testing.T) {
	steps := linear(t, 25*time.Minute, 10*time.Minute)
	var at []time.Duration
	for _, s := range steps {
		at = append(at, s.At)
	}
	if want := []time.Duration{10 * time.Minute, 20 * time.Minute, 25 * time.Minute}; !slices.Equal(at, want) || steps[2].Percent != 100 || steps[0].Percent != 40 {
		t.Errorf("steps %v, want at %v, 40%% to 100%%", steps, want)
	}
	if got := steps[0].String(); got != "40% at 10m0s" {
		t.Errorf("step %q, want %q", got, "40% at 10m0s")
	}
}

func TestInvalidStepsAreErrors(t *testing.T) {
	tests := []struct {
		name  string
		tasks int
		steps []Step
		want  string
	}{
		{"no tasks", 0, percents(100), "step table for 0 tasks: want at least 1"},
		{"no steps", 3, nil, "no steps"},
		{"zero percent", 3, percents(0, 100), "step 1: percent 0: want 0 < percent <= 100"},
		{"above 100", 3, percents(50, 120), "step 2: percent 120"},
		{"going down", 3, percents(50, 40, 100), "step 2: percent 40 after 50: want each step above the one before"},
		{"floor above ceiling", 3, []Step{{Percent: 50, Min: 3, Max: 2}}, "step 1: min 3, max 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTable(tt.tasks, tt.steps); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	for _, l := range []Linear{{Over: time.Hour, Every: 2 * time.Hour}, {Over: time.Hour}, {Over: 2 * time.Hour, Every: time.Second}} {
		if _, err := l.Steps(); err == nil || !strings.Contains(err.Error(), "linear ramp") {
			t.Errorf("%+v: error %v, want a linear ramp error", l, err)
		}
	}
}
