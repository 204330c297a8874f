package check

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/slo"
)

// An unquoted number, boolean or null in a plan's expect.json asks for that
// JSON type: an answer that carries the same text as a string has changed
// its API and does not pass. A quoted value asks for the text, in either
// type, as it always has.
func TestJSONExpectationsOfAPlanHoldTheTypeItWrote(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	text := `version: 1
stack: {existing: {services: {api: {url: "` + srv.URL + `"}}}}
checks:
  - {name: count, kind: http, service: api, expect: {json: {"$.count": 1}}}
  - {name: ratio, kind: http, service: api, expect: {json: {"$.ratio": 1.50}}}
  - {name: enabled, kind: http, service: api, expect: {json: {"$.enabled": true}}}
  - {name: error, kind: http, service: api, expect: {json: {"$.error": null}}}
  - {name: id, kind: http, service: api, expect: {json: {"$.id": "42"}}}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]plan.Check{}
	for _, c := range p.Checks {
		checks[c.Name] = c
	}
	for _, tc := range []struct {
		check, body string
		want        slo.Status
		reason      string
	}{
		{"count", `{"count":1}`, slo.Pass, ""},
		{"count", `{"count":1.0}`, slo.Pass, ""},
		{"count", `{"count":"1"}`, slo.Fail, `json $.count is "1", want 1`},
		{"ratio", `{"ratio":1.5}`, slo.Pass, ""},
		{"ratio", `{"ratio":"1.50"}`, slo.Fail, `want 1.5`},
		{"enabled", `{"enabled":true}`, slo.Pass, ""},
		{"enabled", `{"enabled":"true"}`, slo.Fail, `json $.enabled is "true", want true`},
		{"error", `{"error":null}`, slo.Pass, ""},
		{"error", `{"error":"null"}`, slo.Fail, `json $.error is "null", want null`},
		{"error", `{"error":""}`, slo.Fail, `json $.error is "", want null`},
		{"id", `{"id":"42"}`, slo.Pass, ""},
		{"id", `{"id":42}`, slo.Pass, ""},
	} {
		t.Run(tc.check+" "+tc.body, func(t *testing.T) {
			body = tc.body
			r := NewHTTPChecker().Run(context.Background(), checks[tc.check], "check", staticEndpoints{"api": srv.URL})
			if r.Status != tc.want || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("got %s (%s), want %s naming %q", r.Status, r.Reason, tc.want, tc.reason)
			}
		})
	}
}
