package plan

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const canaryBase = `version: 1
stack:
  existing:
    services:
      writer: {}
      web: {url: "http://127.0.0.1:8080"}
checks:
  - {name: healthy, kind: http, service: writer, request: {path: /healthz}}
  - {name: lb, kind: http, service: web, request: {path: /}}
  - {name: pkgs, kind: packages}
`

func TestCanaryStepsAsAListOrARamp(t *testing.T) {
	p, err := parseInDir(t, canaryBase+`canary:
  services: {writer: shop_writer}
  steps: [{percent: 30, min: 1, max: 5}, {percent: "60%"}, {percent: 100}]
  interval: 5s
`, "")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Canary
	steps, err := c.StepList()
	if err != nil || len(steps) != 3 || steps[0].Percent != 30 || steps[0].Min != 1 || steps[0].Max != 5 || steps[1].Percent != 60 {
		t.Errorf("steps %+v, %v", steps, err)
	}
	if c.Interval.Duration != 5*time.Second || c.Timeout.Duration != DefaultCanaryTimeout || c.Inconclusive != CanaryPause {
		t.Errorf("defaults: interval %v, timeout %v, inconclusive %q", c.Interval, c.Timeout, c.Inconclusive)
	}
	if !slices.Equal(c.Checks, []string{"healthy", "lb", "pkgs"}) || !slices.Equal(c.Verify, []string{"healthy", "lb"}) {
		t.Errorf("checks %v, verify %v (a packages check cannot verify)", c.Checks, c.Verify)
	}

	p, err = parseInDir(t, canaryBase+`canary:
  services: {writer: shop_writer}
  steps: {over: 2h, every: 10m, min: 1}
  inconclusive: abort
`, "")
	if err != nil {
		t.Fatal(err)
	}
	steps, err = p.Canary.StepList()
	if err != nil || len(steps) != 12 || steps[11].Percent != 100 || steps[0].Min != 1 {
		t.Errorf("ramp steps %+v, %v", steps, err)
	}
	if p.Canary.Interval.Duration != 10*time.Minute {
		t.Errorf("a ramp's interval is its every, got %v", p.Canary.Interval)
	}
}

func TestCanaryMistakesAreLocated(t *testing.T) {
	tests := []struct {
		name, canary string
		want         []string
	}{
		{"unknown service and empty swarm name", `canary:
  services: {writter: shop_writer, web: ""}
  steps: [{percent: 100}]
`, []string{`:12:14: canary.services.writter: undefined service "writter"`, `did you mean "writer"?`, `:12:41: canary.services.web: expected the name of a Swarm service`}},
		{"steps going down, out of range, floor above ceiling", `canary:
  services: {writer: w}
  steps: [{percent: 50}, {percent: 40}, {percent: 120}, {percent: 100, min: 3, max: 2}, {min: 1}]
`, []string{
			`:13:36: canary.steps[1].percent: expected each step above the one before (50), got 40`,
			`:13:51: canary.steps[2].percent: expected a percentage above 0 and at most 100, got 120`,
			`:13:85: canary.steps[3].max: expected a ceiling at or above the floor 3, got 2`,
			`:13:89: canary.steps[4]: missing required field "percent"`,
		}},
		{"a ramp without every, with an interval", `canary:
  services: {writer: w}
  steps: {over: 2h}
  interval: 1m
`, []string{`:13:10: canary.steps: missing required field "every"`, `:14:13: canary.interval: a ramp waits its every between steps`}},
		{"a ramp of too many steps", `canary:
  services: {writer: w}
  steps: {over: 2h, every: 1s}
`, []string{`canary.steps: linear ramp over 2h0m0s every 1s: 7200 steps, want at most 1000`}},
		{"steps neither list nor ramp", `canary:
  services: {writer: w}
  steps: 30
`, []string{`:13:10: canary.steps: expected a list of steps`}},
		{"bad policy, unknown checks", `canary:
  services: {writer: w}
  steps: [{percent: 100}]
  inconclusive: advance
  checks: [helthy]
  verify: [pkgs]
`, []string{`canary.inconclusive: expected "pause" or "abort", got "advance"`, `canary.checks[0]: no check is named "helthy"; did you mean "healthy"?`, `canary.verify[0]: check "pkgs" is a packages check`}},
		{"a percentage that is no number", `canary:
  services: {writer: w}
  steps: [{percent: lots}]
`, []string{`canary.steps[0].percent: expected a percentage like 30 or 12.5%, got "lots"`}},
		{"no services, no steps", `canary: {interval: 0s}
`, []string{`canary: missing required field "services"`, `canary: missing required field "steps"`, `canary.interval: expected a duration greater than zero`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInDir(t, canaryBase+tt.canary, "")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("no %q in\n%v", w, err)
				}
			}
		})
	}
}

// A service the canary does not move still needs its URL.
func TestCanaryLeavesOtherServicesNeedingAURL(t *testing.T) {
	_, err := parseInDir(t, strings.Replace(canaryBase, `web: {url: "http://127.0.0.1:8080"}`, "web: {}", 1)+`canary:
  services: {writer: w}
  steps: [{percent: 100}]
`, "")
	if err == nil || !strings.Contains(err.Error(), `stack.existing.services.web: missing required field "url"`) {
		t.Errorf("error %v, want web's url missing", err)
	}
}
