package plan

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testCompose is the compose file the table's plans point to.
const testCompose = `services:
  api:
    image: example/api
    ports: ["8080:8080"]
  writer:
    image: example/writer
    expose: ["8080", "9090"]
  worker:
    image: example/worker
`

// parseInDir parses plan as dir/postflight.yaml, with compose (testCompose
// when empty) written to dir/compose.yaml.
func parseInDir(t *testing.T, plan, compose string) (*Plan, error) {
	t.Helper()
	dir := t.TempDir()
	if compose == "" {
		compose = testCompose
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return Parse(filepath.Join(dir, "postflight.yaml"), []byte(plan))
}

func TestLoadFullPlan(t *testing.T) {
	t.Setenv("WRITER_TAG", "") // the compose file requires it; reading services must not
	p, err := Load("testdata/full/postflight.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if p.Path != "testdata/full/postflight.yaml" || p.Version != 1 || p.Name != "api-release" {
		t.Errorf("path, version, name = %q, %d, %q", p.Path, p.Version, p.Name)
	}
	if p.Images != (Images{New: "example/api:1.5.0", Old: "example/api:1.4.0"}) {
		t.Errorf("images = %+v", p.Images)
	}
	r := p.Stack.Replica
	if r == nil || p.Stack.Existing != nil {
		t.Fatalf("stack = %+v, want a replica only", p.Stack)
	}
	if r.Compose != "compose.yaml" || !reflect.DeepEqual(r.UnderTest, []string{"api"}) {
		t.Errorf("replica = %+v", r)
	}
	if r.ReadyTimeout != (Duration{90 * time.Second, true}) {
		t.Errorf("ready_timeout = %+v", r.ReadyTimeout)
	}
	wantReady := map[string]ReadyProbe{"api": {Path: "/healthz"}, "writer": {Path: "/ready", Port: 9090}}
	if !reflect.DeepEqual(r.Ready, wantReady) {
		t.Errorf("ready = %+v, want %+v", r.Ready, wantReady)
	}
	if len(p.Checks) != 3 {
		t.Fatalf("got %d checks, want 3", len(p.Checks))
	}

	health := p.Checks[0]
	wantHealth := Check{
		Name: "health", Kind: "http", Service: "api",
		Request:       HTTPRequest{Method: "GET", Path: "/healthz"},
		Expect:        HTTPExpect{Status: 200},
		Timeout:       Duration{DefaultCheckTimeout, true},
		RetryInterval: Duration{DefaultRetryInterval, true},
	}
	if !reflect.DeepEqual(health, wantHealth) {
		t.Errorf("checks[0] =\n%+v\nwant\n%+v", health, wantHealth)
	}

	order := p.Checks[1]
	if order.Port != 8080 || order.Request.Method != "POST" || order.Request.Headers["Content-Type"] != "application/json" {
		t.Errorf("checks[1] request = %+v, port %d", order.Request, order.Port)
	}
	if order.Request.Body != `{"sku": "A-1", "qty": 2}` {
		t.Errorf("checks[1] body = %q", order.Request.Body)
	}
	if order.Expect.Status != 201 || order.Expect.JSON["$.qty"] != "2" || order.Expect.JSON["any $.items[*].sku"] != "A-1" || order.Expect.BodyRegexp != `"id":\s*"[0-9a-f-]+"` {
		t.Errorf("checks[1] expect = %+v", order.Expect)
	}
	if order.Timeout != (Duration{3 * time.Second, true}) || order.Retries != 2 {
		t.Errorf("checks[1] timeout, retries = %+v, %d", order.Timeout, order.Retries)
	}
	if order.RetryInterval != (Duration{0, true}) {
		t.Errorf("checks[1] retry_interval = %+v, want an explicit zero", order.RetryInterval)
	}

	page := p.Checks[2]
	if page.URL != "https://staging.example.com/" || page.Expect.BodyContains != "Welcome" || page.Expect.Status != 200 {
		t.Errorf("checks[2] = %+v", page)
	}

	if p.Policy.Inconclusive != InconclusiveRollback {
		t.Errorf("policy = %+v", p.Policy)
	}
	wantRollback := Rollback{
		Driver:  "command",
		Command: []string{"./deploy.sh", "--image", "example/api:1.4.0"},
		Timeout: Duration{DefaultRollbackLimit, true},
		Verify:  []string{"health", "public-page"},
	}
	if !reflect.DeepEqual(p.Rollback, wantRollback) {
		t.Errorf("rollback = %+v, want %+v", p.Rollback, wantRollback)
	}
	if p.Report.Dir != "reports" {
		t.Errorf("report = %+v", p.Report)
	}
}

func TestParseDefaults(t *testing.T) {
	p, err := parseInDir(t, `version: 1
stack:
  existing:
    services:
      api: {url: "http://127.0.0.1:8080"}
checks:
  - {name: health, kind: http, service: api}
`, "")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Checks[0]
	if c.Request.Method != "GET" || c.Expect.Status != 200 || c.Timeout.Duration != DefaultCheckTimeout ||
		c.RetryInterval.Duration != DefaultRetryInterval || c.Retries != 0 {
		t.Errorf("check defaults = %+v", c)
	}
	if p.Policy.Inconclusive != InconclusiveHold {
		t.Errorf("policy.inconclusive = %q, want hold", p.Policy.Inconclusive)
	}
	if p.Rollback.Timeout.Duration != DefaultRollbackLimit || p.Rollback.Driver != "" {
		t.Errorf("rollback = %+v", p.Rollback)
	}
	if p.Stack.Replica != nil {
		t.Errorf("replica = %+v, want nil", p.Stack.Replica)
	}
}

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	p, err := parseInDir(t, `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - &base
    name: one
    kind: http
    service: api
    timeout: 2s
  - <<: *base
    name: two
    timeout: 3s
`, "")
	if err != nil {
		t.Fatal(err)
	}
	two := p.Checks[1]
	if two.Name != "two" || two.Kind != "http" || two.Service != "api" || two.Timeout.Duration != 3*time.Second {
		t.Errorf("checks[1] = %+v", two)
	}
}

// TestParseErrors has one broken plan per case. Each plan's own compose
// file is testCompose unless the case gives one.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		plan    string
		compose string
		line    int
		col     int
		want    string // part of the message
	}{
		{
			name: "yaml syntax",
			plan: `version: 1
stack:
  replica:
    compose: compose.yaml
     under_test: [api]
`,
			line: 5, col: 0, want: "invalid YAML: mapping values are not allowed in this context",
		},
		{
			name: "tab in indentation",
			plan: "version: 1\nstack:\n  replica:\n\tcompose: compose.yaml\n",
			line: 4, col: 1, want: "invalid YAML: found character '\t' that cannot start any token",
		},
		{
			name: "unclosed quote",
			plan: "version: 1\nname: \"demo\nstack: {}\n",
			line: 2, col: 7, want: "invalid YAML: could not find end character of double-quoted text",
		},
		{
			name: "bad indentation",
			plan: "version: 1\nstack:\n  replica:\n    compose: compose.yaml\n   under_test: [api]\n",
			line: 5, col: 4, want: "invalid YAML:",
		},
		{
			name: "empty file",
			plan: "# nothing yet\n",
			line: 1, col: 1, want: "the plan is empty",
		},
		{
			name: "two documents",
			plan: `version: 1
---
version: 1
`,
			line: 2, col: 1, want: "expected a single YAML document",
		},
		{
			name: "not a mapping",
			plan: "- version: 1\n",
			line: 1, col: 1, want: "expected a mapping with version, stack and checks, got a list",
		},
		{
			name: "unknown key with suggestion",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    expect:
      body_contain: ok
`,
			line: 9, col: 7, want: `checks[0].expect: unknown key "body_contain"; did you mean "body_contains"?`,
		},
		{
			name: "unknown key without suggestion",
			plan: `version: 1
colour: red
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 2, col: 1, want: `unknown key "colour"; known keys are canary, checks, images, name, policy, report, rollback, stack, version`,
		},
		{
			name: "duplicate key",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    name: health2
`,
			line: 8, col: 5, want: `checks[0]: duplicate key "name" (first at line 5)`,
		},
		{
			name: "integer expected",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    retries: abc
`,
			line: 8, col: 14, want: `checks[0].retries: expected an integer, got string "abc"`,
		},
		{
			name: "list expected",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: api}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 3, col: 48, want: `stack.replica.under_test: expected a list, got string "api"`,
		},
		{
			name: "bad duration",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    timeout: 5
`,
			line: 8, col: 14, want: "checks[0].timeout: expected a duration like 250ms or 5s, got integer 5",
		},
		{
			name: "negative duration",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api], ready_timeout: -1m}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 3, col: 70, want: "stack.replica.ready_timeout: expected a duration that is not negative, got -1m",
		},
		{
			name: "negative retries",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    retries: -2
`,
			line: 8, col: 14, want: "checks[0].retries: expected a number of retries between 0 and 1000, got -2",
		},
		{
			name: "missing version",
			plan: `stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 1, col: 1, want: `missing required field "version"`,
		},
		{
			name: "wrong version",
			plan: `version: 2
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 1, col: 10, want: "version: unsupported version 2; this postflight reads version 1",
		},
		{
			name: "missing kind",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    service: api
`,
			line: 5, col: 5, want: `checks[0]: missing required field "kind"`,
		},
		{
			name: "unknown kind",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: grpc
    service: api
`,
			line: 6, col: 11, want: `checks[0].kind: unknown check kind "grpc"; known kinds are "http"`,
		},
		{
			name: "bad method",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    request: {method: get, path: /}
`,
			line: 8, col: 23, want: `checks[0].request.method: unknown HTTP method "get"; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS; did you mean "GET"?`,
		},
		{
			name: "bad status",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    expect:
      status: 999
`,
			line: 9, col: 15, want: "checks[0].expect.status: expected an integer between 100 and 599, got 999",
		},
		{
			name: "bad regexp",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    expect:
      body_regexp: "ok("
`,
			line: 9, col: 20, want: "checks[0].expect.body_regexp: invalid regular expression: error parsing regexp: missing closing )",
		},
		{
			name: "bad url",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: page
    kind: http
    url: staging.example.com/health
`,
			line: 7, col: 10, want: `checks[0].url: expected an absolute http or https URL, got "staging.example.com/health"`,
		},
		{
			name: "duplicate check names",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
  - {name: health, kind: http, url: "http://example.com/"}
`,
			line: 6, col: 12, want: `checks[1].name: duplicate check name "health" (first at line 5)`,
		},
		{
			name: "neither service nor url",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
`,
			line: 5, col: 5, want: `checks[0]: missing required field: set either "service" or "url"`,
		},
		{
			name: "both service and url",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    url: http://example.com/
`,
			line: 8, col: 10, want: `checks[0].url: set either "service" or "url", not both`,
		},
		{
			name: "undefined service in a check",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: apii
`,
			line: 7, col: 14, want: `checks[0].service: undefined service "apii"; compose file "compose.yaml" has "api", "worker", "writer"; did you mean "api"?`,
		},
		{
			name: "control characters in a check name",
			plan: "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n" +
				"  - name: \"health\\e[2K\\rPASSED (exit 0)\"\n    kind: http\n    service: api\n",
			line: 5, col: 11, want: `checks[0].name: control character '\x1b' in a name`,
		},
		{
			name: "a line break in the plan's name",
			plan: "version: 1\nname: \"shop\\r## postflight shop: passed\"\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n" +
				"  - {name: health, kind: http, service: api}\n",
			line: 2, col: 7, want: `name: control character '\r' in a name`,
		},
		{
			name: "undefined service under test",
			plan: `version: 1
stack:
  replica:
    compose: compose.yaml
    under_test: [api, reader]
checks:
  - {name: health, kind: http, service: api}
`,
			line: 5, col: 23, want: `stack.replica.under_test[1]: undefined service "reader"`,
		},
		{
			name: "undefined service in ready",
			plan: `version: 1
stack:
  replica:
    compose: compose.yaml
    under_test: [api]
    ready:
      db: {path: /ready}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 7, col: 7, want: `stack.replica.ready.db: undefined service "db"`,
		},
		{
			name: "undefined service in an existing stack",
			plan: `version: 1
stack:
  existing:
    services:
      api: {url: "http://127.0.0.1:8080"}
checks:
  - {name: health, kind: http, service: writer}
`,
			line: 7, col: 41, want: `checks[0].service: undefined service "writer"; stack.existing.services has "api"`,
		},
		{
			name: "service with several ports and no port",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [writer]}
checks:
  - name: write
    kind: http
    service: writer
`,
			line: 5, col: 5, want: "checks[0]: service writer has ports 8080, 9090: set port",
		},
		{
			name: "service with no ports",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [worker]}
checks:
  - name: work
    kind: http
    service: worker
`,
			line: 5, col: 5, want: `checks[0]: service worker has no ports in compose file "compose.yaml"`,
		},
		{
			name: "port the service does not have",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [writer]}
checks:
  - name: write
    kind: http
    service: writer
    port: 7070
`,
			line: 8, col: 11, want: "checks[0].port: service writer has no port 7070; its ports are 8080, 9090",
		},
		{
			name: "stack with both replica and existing",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
  existing: {services: {api: {url: "http://127.0.0.1:8080"}}}
checks:
  - {name: health, kind: http, service: api}
`,
			line: 4, col: 3, want: `stack.existing: set either "replica" or "existing", not both`,
		},
		{
			name: "stack with neither replica nor existing",
			plan: `version: 1
stack: {}
checks:
  - {name: health, kind: http, url: "http://example.com/"}
`,
			line: 2, col: 8, want: `stack: missing required field: set either "replica" or "existing"`,
		},
		{
			name: "compose file does not exist",
			plan: `version: 1
stack:
  replica:
    compose: deploy/compose.yaml
    under_test: [api]
checks:
  - {name: health, kind: http, service: api}
`,
			line: 4, col: 14, want: `stack.replica.compose: compose file "deploy/compose.yaml" does not exist`,
		},
		{
			name: "compose file does not parse",
			plan: `version: 1
stack:
  replica:
    compose: compose.yaml
    under_test: [api]
checks:
  - {name: health, kind: http, service: api}
`,
			compose: "services:\n  api:\n    image: [\n",
			line:    4, col: 14, want: `stack.replica.compose: compose file "compose.yaml" does not parse`,
		},
		{
			name: "bad json selector",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    expect:
      json: {"status": ok}
`,
			line: 9, col: 14, want: `invalid JSONPath selector "status"`,
		},
		{
			name: "any before something that is not a selector",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    expect:
      json: {"any status": ok}
`,
			line: 9, col: 14, want: `invalid JSONPath selector "any status"`,
		},
		{
			name: "inconclusive policy",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
policy:
  inconclusive: ignore
`,
			line: 7, col: 17, want: `policy.inconclusive: expected "hold" or "rollback", got "ignore"`,
		},
		{
			name: "inconclusive rollback without a rollback",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
policy:
  inconclusive: rollback
`,
			line: 7, col: 17, want: `"rollback" needs a rollback: set rollback.driver`,
		},
		{
			name: "unknown rollback driver",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: helm
`,
			line: 7, col: 11, want: `rollback.driver: unknown rollback driver "helm"; known drivers are "command", "swarm", "docker", "webhook"`,
		},
		{
			name: "swarm driver without its section",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: swarm
`,
			line: 7, col: 3, want: `rollback: missing required field "swarm"`,
		},
		{
			name: "another driver's section",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: docker
  docker: {project: shop}
  swarm: {services: [shop_api]}
`,
			line: 9, col: 3, want: `swarm configures the "swarm" driver, but the driver is "docker"`,
		},
		{
			name: "a swarm node's daemon that is not an address",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: swarm
  swarm:
    services: [shop_api]
    nodes: {worker1: "ssh://deploy@worker1", worker2: worker2}
`,
			line: 10, col: 55, want: `expected a Docker daemon like "ssh://deploy@worker2" or "tcp://worker2:2376", got "worker2"`,
		},
		{
			name: "webhook without a secret",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: webhook
  webhook: {url: "https://deploy.example/rollback"}
`,
			line: 8, col: 12, want: `missing required field "secret_env"`,
		},
		{
			name: "command driver without command",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: command
  command: []
`,
			line: 8, col: 12, want: "rollback.command: expected a command to run, got an empty list",
		},
		{
			name: "rollback verifies an unknown check",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
rollback:
  driver: command
  command: [./rollback.sh]
  verify: [health, helth-page, healthz]
`,
			line: 9, col: 32, want: `rollback.verify[2]: no check is named "healthz"; did you mean "health"?`,
		},
		{
			name: "rollback verifies with checks that do not look at what runs",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
  - {name: pkgs, kind: packages}
  - {name: blobs, kind: integrity}
  - {name: orphans, kind: hygiene, hygiene: {ports: [8080]}}
rollback:
  driver: command
  command: [./rollback.sh]
  verify: [health, pkgs, blobs, orphans]
`,
			line: 12, col: 20, want: `rollback.verify[1]: check "pkgs" is a packages check: it compares images, not what runs, so it cannot verify a rollback`,
		},
		{
			name: "rollback verifies with a registry integrity check",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
  - {name: blobs, kind: integrity}
rollback:
  driver: command
  command: [./rollback.sh]
  verify: [blobs]
`,
			line: 10, col: 12, want: `rollback.verify[0]: check "blobs" is an integrity check: it looks at the registry, not at what runs, so it cannot verify a rollback`,
		},
		{
			name: "rollback verifies with a hygiene check",
			plan: `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: health, kind: http, service: api}
  - {name: orphans, kind: hygiene, hygiene: {ports: [8080]}}
rollback:
  driver: command
  command: [./rollback.sh]
  verify: [orphans]
`,
			line: 10, col: 12, want: `rollback.verify[0]: check "orphans" is a hygiene check: it looks at the host's other containers and ports, not at what runs, so it cannot verify a rollback`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseInDir(t, tt.plan, tt.compose)
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want an error", p)
			}
			wantErrorAt(t, err, tt.line, tt.col, tt.want)
		})
	}
}

// wantErrorAt fails unless err is plan Errors with one at line:col whose
// text contains want.
func wantErrorAt(t *testing.T, err error, line, col int, want string) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) is not an Errors", err, err)
	}
	for _, e := range errs {
		if e.Line == line && e.Column == col && strings.Contains(e.Error(), want) {
			return
		}
	}
	t.Errorf("no error at %d:%d containing %q; got:\n%v", line, col, want, err)
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := parseInDir(t, `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - name: health
    kind: http
    service: api
    timeout: soon
  - name: orders
    kind: http
    service: api
    retires: 2
    expect: {status: 999}
`, "")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want an Errors", err)
	}
	want := []string{
		`:8:14: checks[0].timeout: expected a duration like 250ms or 5s, got string "soon"`,
		`:12:5: checks[1]: unknown key "retires"; did you mean "retries"?`,
		`:13:22: checks[1].expect.status: expected an integer between 100 and 599, got 999`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasSuffix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to end with %q", i, errs[i].Error(), w)
		}
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) {
		t.Errorf("Error() has %d lines, want %d", len(lines), len(want))
	}
	var one *Error
	if !errors.As(err, &one) || one != errs[0] {
		t.Errorf("errors.As(*Error) = %v, want the first problem", one)
	}
}

func TestErrorRendering(t *testing.T) {
	e := &Error{File: "postflight.yaml", Line: 12, Column: 5, Field: "checks[1].expect.status", Msg: "expected an integer between 100 and 599, got 999"}
	if got, want := e.Error(), "postflight.yaml:12:5: checks[1].expect.status: expected an integer between 100 and 599, got 999"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &Error{File: "postflight.yaml", Line: 3, Msg: "invalid YAML: x"}
	if got, want := e.Error(), "postflight.yaml:3: invalid YAML: x"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "postflight.yaml"))
	var errs Errors
	if !errors.As(err, &errs) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an Errors wrapping fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "postflight.yaml: cannot read the plan: no such file or directory") {
		t.Errorf("got %q", err)
	}
}

func TestComposeServices(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	compose := `services:
  api:
    image: ${API_IMAGE:?required}
    ports: ["${API_PORT:-18080}:8080", "9090"]
    expose: ["8080/tcp", "7000-7002"]
    env_file: missing.env
  sidecar:
    image: example/sidecar
`
	if err := os.WriteFile(path, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ComposeServices(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"api": {7000, 7001, 7002, 8080, 9090}, "sidecar": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ComposeServices(context.Background(), filepath.Join(dir, "none.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}
