package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/slo"
)

const compareHead = `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
`

func TestACompareCheckDecodesWithDefaults(t *testing.T) {
	p, err := parseInDir(t, compareHead+`  - name: by-url
    kind: compare
    compare: {baseline_url: "http://stable:8080/items", canary_url: "http://canary:8080/items", rate: 50/s, duration: 10s}
  - name: by-service
    kind: compare
    service: writer
    port: 9090
    expect: {status: 200}
    compare: {path: /kv, method: PUT, body: x, rate: 20/s, duration: 30s, warmup: 2s, tolerance: 10%, significance: 0.5%, min_samples: 100, rate_tolerance: 20%}
`, "")
	if err != nil {
		t.Fatal(err)
	}
	u, s := p.Checks[0].Compare, p.Checks[1].Compare
	if !u.ByURL() || u.Method != "GET" || u.Path != "" || *u.Tolerance != 0.05 || *u.Significance != 0.01 || u.MinSamples != 20 || u.RateShortfall() != DefaultRateTolerance {
		t.Errorf("by url: %+v; want GET, the URLs as given, the defaults", u)
	}
	if p.Checks[0].ComparesService() || !p.Checks[1].ComparesService() {
		t.Errorf("ComparesService: by url %v, by service %v", p.Checks[0].ComparesService(), p.Checks[1].ComparesService())
	}
	o := s.Options()
	if s.Method != "PUT" || s.Path != "/kv" || o.Tolerance != 0.1 || o.Significance != 0.005 || o.MinSamples != 100 || s.Warmup.Duration != 2*time.Second || s.Rate != slo.Rate(20) || s.RateShortfall() != 0.2 {
		t.Errorf("by service: %+v, options %+v", s, o)
	}
	if !p.MeasuresReplica() {
		t.Error("a compare check of a service of the compose file measures the replica")
	}
}

func TestACompareCheckIsValidated(t *testing.T) {
	tests := []struct {
		check     string
		line, col int
		want      string
	}{
		{`{name: c, kind: compare}`, 5, 5, `missing required field "compare"`},
		{`{name: c, kind: compare, compare: {rate: 1/s, duration: 30s}}`, 5, 5, `missing the sides: set "service" (in a canary rollout) or compare.baseline_url and canary_url`},
		{`{name: c, kind: compare, compare: {baseline_url: "http://a/", rate: 1/s, duration: 30s}}`, 5, 39, `give baseline_url and canary_url together: canary_url is missing`},
		{`{name: c, kind: compare, service: api, compare: {baseline_url: "http://a/", canary_url: "http://b/", rate: 1/s, duration: 30s}}`, 5, 39, `set either "service" or compare.baseline_url and canary_url, not both`},
		{`{name: c, kind: compare, compare: {baseline_url: "http://a/", canary_url: "b", rate: 1/s, duration: 30s}}`, 5, 79, `expected an absolute http or https URL, got "b"`},
		{`{name: c, kind: compare, compare: {baseline_url: "http://a/", canary_url: "http://a/", rate: 1/s, duration: 30s}}`, 5, 79, `compare.canary_url: the baseline's URL too`},
		{`{name: c, kind: compare, service: apy, compare: {rate: 1/s, duration: 30s}}`, 5, 39, `undefined service "apy"`},
		{`{name: c, kind: compare, service: writer, compare: {rate: 1/s, duration: 30s}}`, 5, 5, `service writer has ports 8080, 9090: set port`},
		{`{name: c, kind: compare, service: api, compare: {rate: 1/s}}`, 5, 53, `missing required field "duration"`},
		{`{name: c, kind: compare, service: api, compare: {rate: 1/s, duration: 1s}}`, 5, 53, `fewer than 2 requests a side in 1s at 1/s`},
		{`{name: c, kind: compare, service: api, compare: {rate: 100000/s, duration: 1h}}`, 5, 53, `expected at most 10000000`},
		{`{name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s, significance: 50%}}`, 5, 95, `compare.significance: expected more than 0% and less than 50%, got 50%`},
		{`{name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s, min_samples: 200}}`, 5, 94, `200 samples a side cannot come from 10s at 10/s (100 requests)`},
		{`{name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s, method: GOT}}`, 5, 89, `unknown HTTP method "GOT"`},
		{`{name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s, path: items}}`, 5, 87, `expected a path starting with "/"`},
		{`{name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s, rate_tolerance: 60%}}`, 5, 97, `expected at most 50%`},
		{`{name: c, kind: compare, service: api, url: "http://x/", compare: {rate: 10/s, duration: 10s}}`, 5, 44, `url does not apply to a "compare" check`},
	}
	for _, tt := range tests {
		_, err := parseInDir(t, compareHead+"  - "+tt.check+"\n", "")
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.check, tt.want)
			continue
		}
		wantErrorAt(t, err, tt.line, tt.col, tt.want)
	}
}

func TestTheCompareKindIsNoEvidenceOfARollback(t *testing.T) {
	_, err := parseInDir(t, compareHead+`  - {name: c, kind: compare, service: api, compare: {rate: 10/s, duration: 10s}}
rollback: {driver: command, command: [x], verify: [c]}
`, "")
	if err == nil || !strings.Contains(err.Error(), "compares two versions") {
		t.Errorf("err %v; want compare refused in rollback.verify", err)
	}
}

// The example in the kind's help is a valid check.
func TestTheCompareHelpsExampleIsValid(t *testing.T) {
	_, example, ok := strings.Cut(CompareHelp, "\n\n  - name:")
	example, _, _ = strings.Cut(example, "\n\n")
	if !ok || example == "" {
		t.Fatal("no example in the help")
	}
	p, err := parseInDir(t, compareHead+"  - name:"+example+"\n", "services:\n  api: {image: example/api, ports: [\"8080:8080\"]}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Checks[0]; !c.ComparesService() || c.Compare.Rate != 50 || *c.Compare.Tolerance != 0.05 {
		t.Errorf("the example: %+v", c.Compare)
	}
}
