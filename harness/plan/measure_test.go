package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

const measurePlan = `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: under-load
    kind: load
    service: api
    load:
      rate: 200/s
      duration: 10s
      warmup: 2s
      targets:
        - {path: /kv/hot, weight: 3}
        - {method: PUT, path: /kv/hot, body: x}
    propagation:
      write: {path: "/kv/{token}", body: "{token}"}
      reads:
        - {service: writer, port: 9090, path: "/kv/{token}"}
    budgets:
      latency: {p50: 20ms, p99: 100ms, max: 1s}
      error_rate: 0.1%
      throughput: 190/s
      propagation: {p95: 500ms}
  - name: propagation-alone
    kind: propagation
    propagation:
      write: {url: "http://127.0.0.1:9/kv/{token}", method: POST}
      reads: [{url: "http://127.0.0.1:9/kv/{token}"}]
      samples: 50
      concurrency: 5
      interval: 5ms
      timeout: 3s
    budgets:
      propagation: {p50: 200ms}
`

func TestParseLoadAndPropagationChecks(t *testing.T) {
	p, err := parseInDir(t, measurePlan, "")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Checks[0]
	if c.Load.Rate != 200 || c.Load.Duration.Duration != 10*time.Second || c.Load.Warmup.Duration != 2*time.Second {
		t.Errorf("load = %+v", c.Load)
	}
	if ts := c.Load.Targets; ts[0].Method != "GET" || ts[0].Weight != 3 || ts[1].Method != "PUT" || ts[1].Weight != 1 {
		t.Errorf("targets (with defaults) = %+v", ts)
	}
	pr := c.Propagation
	if pr.Write.Method != "PUT" || pr.Samples != DefaultPropagationSamples || pr.Concurrency != DefaultPropagationConcurrency ||
		pr.Interval.Duration != DefaultPropagationInterval || pr.Timeout.Duration != DefaultPropagationTimeout {
		t.Errorf("propagation (with defaults) = %+v", pr)
	}
	var names []string
	for _, o := range c.Budgets.Objectives() {
		names = append(names, o.Name)
	}
	if got := strings.Join(names, ", "); got != "p50 latency, p99 latency, max latency, error rate, throughput, propagation p95" {
		t.Errorf("objectives = %s", got)
	}
	if *c.Budgets.ErrorRate != slo.Ratio(0.001) || *c.Budgets.Throughput != 190 {
		t.Errorf("budgets = %+v", c.Budgets)
	}
	if c2 := p.Checks[1].Propagation; c2.Write.Method != "POST" || c2.Samples != 50 || c2.Concurrency != 5 || c2.Timeout.Duration != 3*time.Second {
		t.Errorf("second check's propagation = %+v", c2)
	}
}

func TestParseLoadExpectationsAndRateTolerance(t *testing.T) {
	p, err := parseInDir(t, `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: judged
    kind: load
    service: api
    expect: {json: {"$.status": ok}}
    load:
      rate: 50/s
      duration: 2s
      rate_tolerance: 10%
      max_workers: 8
      targets:
        - {path: /a}
        - {path: /b, expect: {status: 201, body_contains: made}}
    budgets: {latency: {p50: 10ms}}
`, "")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Checks[0]
	if c.Expect.JSON["$.status"] != "ok" || c.Expect.Status != 0 {
		t.Errorf("check expect = %+v, want the json and no defaulted status", c.Expect)
	}
	if ts := c.Load.Targets; ts[0].Expect != nil || ts[1].Expect == nil || ts[1].Expect.Status != 201 || ts[1].Expect.BodyContains != "made" {
		t.Errorf("targets = %+v", ts)
	}
	if c.Load.Tolerance() != slo.Ratio(0.1) || c.Load.MaxWorkers != 8 {
		t.Errorf("load = %+v", c.Load)
	}
	if (&LoadSpec{}).Tolerance() != DefaultRateTolerance {
		t.Errorf("default tolerance = %v", (&LoadSpec{}).Tolerance())
	}
}

func TestLoadObjectivesJudgeErrorsWhenTheBudgetsNameNone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		budgets Budgets
		want    slo.Ratio
	}{
		{"latency only", Budgets{Latency: Percentiles{P99: new(slo.Latency)}}, DefaultErrorRate},
		{"an error rate of its own", Budgets{ErrorRate: func() *slo.Ratio { r := slo.Ratio(0.05); return &r }()}, 0.05},
	} {
		var got []string
		for _, o := range tc.budgets.LoadObjectives() {
			got = append(got, o.Name)
			if o.Metric == slo.MetricErrorRate && o.Budget != tc.want.Quantity() {
				t.Errorf("%s: error rate budget %v, want %v", tc.name, o.Budget, tc.want)
			}
		}
		if !strings.Contains(strings.Join(got, ", "), "error rate") {
			t.Errorf("%s: objectives %v, want an error rate", tc.name, got)
		}
	}
}

func TestParseLoadAndPropagationErrors(t *testing.T) {
	head := "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n"
	tests := []struct {
		name, check string
		line, col   int
		want        string
	}{
		{"bad rate", "  - {name: l, kind: load, service: api, load: {rate: fast, duration: 1s, targets: [{path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 54, "checks[0].load.rate:"},
		{"bad ratio", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {error_rate: 150%}}\n",
			5, 118, `checks[0].budgets.error_rate: percentage "150%" is over 100%`},
		{"bad latency budget", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {latency: {p99: quick}}}\n",
			5, 121, `checks[0].budgets.latency.p99: invalid latency "quick"`},
		{"unknown percentile", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {latency: {p98: 1s}}}\n",
			5, 116, `unknown key "p98"; did you mean "p90"?`},
		{"load check without budgets", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}}\n",
			5, 5, "a load check needs budgets"},
		{"load check without load", "  - {name: l, kind: load, service: api, budgets: {error_rate: 1%}}\n",
			5, 5, `missing required field "load"`},
		{"load without targets", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: []}, budgets: {error_rate: 1%}}\n",
			5, 82, "expected at least one target"},
		{"target with no service anywhere", "  - {name: l, kind: load, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 69, `set "service" or "url" here or "service" on the check`},
		{"target to an undefined service", "  - {name: l, kind: load, load: {rate: 5/s, duration: 1s, targets: [{service: apii, path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 79, `undefined service "apii"`},
		{"budgets on an http check", "  - {name: h, kind: http, service: api, budgets: {error_rate: 1%}}\n",
			5, 41, `budgets does not apply to a "http" check`},
		{"expect on a propagation check", "  - {name: p, kind: propagation, service: api, expect: {status: 200}, propagation: {write: {path: '/kv/{token}'}, reads: [{path: '/kv/{token}'}]}, budgets: {propagation: {max: 1s}}}\n",
			5, 48, `expect does not apply to a "propagation" check`},
		{"bad expect on a load check", "  - {name: l, kind: load, service: api, expect: {body_regexp: '('}, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 63, `checks[0].expect.body_regexp: invalid regular expression`},
		{"bad expect on a load target", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /, expect: {status: 42}}]}, budgets: {error_rate: 1%}}\n",
			5, 110, `checks[0].load.targets[0].expect.status: expected an integer between 100 and 599, got 42`},
		{"expect on a propagation read", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: '/kv/{token}', expect: {status: 200}}]}, budgets: {propagation: {max: 1s}}}\n",
			5, 122, `expect applies to a load target`},
		{"rate tolerance over 50%", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, rate_tolerance: 60%, targets: [{path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 89, `checks[0].load.rate_tolerance: expected at most 50%, got 60%`},
		{"no workers", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, max_workers: 0, targets: [{path: /}]}, budgets: {error_rate: 1%}}\n",
			5, 86, `checks[0].load.max_workers: expected at least 1 worker, got 0`},
		{"propagation budgets without propagation", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, budgets: {propagation: {p50: 1s}}}\n",
			5, 106, "propagation budgets need a propagation section"},
		{"write without token", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: /kv/x}, reads: [{path: /kv/x}]}, budgets: {propagation: {max: 1s}}}\n",
			5, 69, "the write must carry the token"},
		{"propagation check held to latency", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: '/kv/{token}'}]}, budgets: {latency: {p50: 1s}}}\n",
			5, 135, "budgets.latency applies to a load check"},
		{"propagation without reads", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: []}, budgets: {propagation: {max: 1s}}}\n",
			5, 99, "expected at least one read endpoint"},
		{"zero samples", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: /}], samples: 0}, budgets: {propagation: {max: 1s}}}\n",
			5, 121, "expected a number of samples between 1 and 10000, got 0"},
		{"propagation budget equal to the sample timeout", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: /}], timeout: 2s}, budgets: {propagation: {p50: 500ms, max: 2s}}}\n",
			5, 167, "checks[0].budgets.propagation.max: budget 2s is not less than the sample timeout 2s"},
		{"propagation budget over the default sample timeout", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: /}]}, budgets: {propagation: {p99: 1m}}}\n",
			5, 142, "budget 1m0s is not less than the sample timeout 30s"},
		{"load check's propagation budget over its sample timeout", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [{path: /}]}, propagation: {write: {path: '/kv/{token}'}, reads: [{path: /}], timeout: 1s}, budgets: {propagation: {p50: 3s}}}\n",
			5, 203, "checks[0].budgets.propagation.p50: budget 3s is not less than the sample timeout 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInDir(t, head+tt.check, "")
			if errs := new(Errors); errors.As(err, errs) && len(*errs) > 1 && strings.Contains(err.Error(), "needs budgets") && !strings.Contains(tt.want, "needs budgets") {
				t.Errorf("a bad budget also reported as missing budgets:\n%v", err)
			}
			wantErrorAt(t, err, tt.line, tt.col, tt.want)
		})
	}
}
