package plan

import "testing"

// A replica is started to measure the image under test: a check of one of
// its services, or a package diff of the run's images, measures it; checks
// that go elsewhere (absolute URLs, the host, the registry) do not.
func TestMeasuresReplica(t *testing.T) {
	const head = `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
`
	tests := []struct {
		name    string
		checks  string
		refused bool
	}{
		{"every check an absolute URL", `  - {name: health, kind: http, url: "http://127.0.0.1:18999/healthz"}
  - name: load
    kind: load
    load: {rate: 10/s, duration: 1s, targets: [{url: "http://127.0.0.1:18999/"}]}
    budgets: {error_rate: 10%}
`, true},
		{"an absolute URL and a host check", `  - {name: health, kind: http, url: "http://127.0.0.1:18999/healthz"}
  - {name: hygiene, kind: hygiene, hygiene: {ports: [8080]}}
`, true},
		{"a package diff of images other than the run's", `  - {name: packages, kind: packages, packages: {old: "a:1", new: "a:2"}}
`, true},
		{"an http check of a replica service", `  - {name: health, kind: http, url: "http://127.0.0.1:18999/healthz"}
  - {name: api, kind: http, service: api}
`, false},
		{"a load target on a replica service", `  - name: load
    kind: load
    load: {rate: 10/s, duration: 1s, targets: [{url: "http://127.0.0.1:18999/"}, {service: api, path: /}]}
    budgets: {error_rate: 10%}
`, false},
		{"a package diff of the image under test", `  - {name: packages, kind: packages}
`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseInDir(t, head+tt.checks, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.MeasuresReplica(); got == tt.refused {
				t.Errorf("MeasuresReplica() = %v, want %v", got, !tt.refused)
			}
		})
	}
}
