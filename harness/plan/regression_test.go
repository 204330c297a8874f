package plan

import (
	"testing"
)

const regressionPlanHead = `version: 1
stack: {existing: {services: {api: {url: "http://127.0.0.1:8080"}}}}
checks: [{name: health, kind: http, service: api}]
policy:
`

func TestRegressionRuleDefaultsWhenAskedFor(t *testing.T) {
	p, err := parseInDir(t, regressionPlanHead+"  regression: {}\n", "")
	if err != nil {
		t.Fatal(err)
	}
	r := p.Policy.Regression
	if r == nil || r.Runs != DefaultRegressionRuns || *r.Tolerance != DefaultRegressionTolerance ||
		*r.Significance != DefaultRegressionSignificance || r.OnRegression != RegressionWarn || r.Fails() {
		t.Errorf("policy.regression defaults: %+v", r)
	}

	p, err = parseInDir(t, regressionPlanHead+"  regression: {runs: 3, tolerance: 25%, significance: 0.05, on_regression: fail}\n", "")
	if err != nil {
		t.Fatal(err)
	}
	r = p.Policy.Regression
	if r.Runs != 3 || *r.Tolerance != 0.25 || *r.Significance != 0.05 || !r.Fails() {
		t.Errorf("policy.regression as written: %+v", r)
	}

	p, err = parseInDir(t, regressionPlanHead+"  inconclusive: hold\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Policy.Regression != nil || p.Policy.Regression.Fails() {
		t.Errorf("a plan without policy.regression compares: %+v", p.Policy.Regression)
	}
}

func TestRegressionRuleProblemsAreLocated(t *testing.T) {
	tests := []struct {
		name, rule string
		col        int
		want       string
	}{
		{"no runs", "{runs: 0}", 22, "policy.regression.runs: expected a number of earlier runs between 1 and 1000, got 0"},
		{"runs not a number", "{runs: seven}", 22, "policy.regression.runs: expected an integer"},
		{"tolerance without %", "{tolerance: 10}", 27, `policy.regression.tolerance: percentage "10" has no % sign`},
		{"significance of 1", "{significance: 1}", 30, "policy.regression.significance: expected a probability between 0 and 1 (exclusive) such as 0.01, got 1"},
		{"significance not a number", "{significance: often}", 30, `expected a probability such as 0.01 or 0.05, got "often"`},
		{"significance as hex", "{significance: 0x1p-3}", 30, "expected a probability such as 0.01"},
		{"unknown outcome", "{on_regression: rollback}", 31, `policy.regression.on_regression: expected "warn" or "fail", got "rollback"`},
		{"unknown key", "{window: 7}", 16, `policy.regression: unknown key "window"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseInDir(t, regressionPlanHead+"  regression: "+tt.rule+"\n", "")
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want an error", p.Policy.Regression)
			}
			wantErrorAt(t, err, 5, tt.col, tt.want)
		})
	}
}
