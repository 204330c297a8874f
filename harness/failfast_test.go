package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/slo"
)

// With policy.fail_fast (the default), the first failed check ends the check phase: the
// checks after it are reported as not run, never as passed, and the run
// rolls back at once. Without it, every check is measured.
func TestRunFailFastStopsAtTheFirstFailedCheck(t *testing.T) {
	var loaded atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			fmt.Fprint(w, "ok")
		case "/orders":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			loaded.Add(1)
			fmt.Fprint(w, "ok")
		}
	}))
	defer srv.Close()
	for _, setting := range []string{"", "fail_fast: true", "fail_fast: false"} {
		failFast := setting != "fail_fast: false" // the default fails fast
		t.Run(fmt.Sprintf("%q", setting), func(t *testing.T) {
			loaded.Store(0)
			dir := t.TempDir()
			src := fmt.Sprintf(`version: 1
name: fail-fast
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: healthy, kind: http, service: web, request: {path: /healthz}}
  - {name: orders, kind: http, service: web, request: {path: /orders}}
  - name: under-load
    kind: load
    service: web
    load: {rate: 20/s, duration: 1s, targets: [{path: /load}]}
    budgets: {error_rate: 5%%}
policy:
  inconclusive: hold
  %s
rollback:
  driver: command
  command: [sh, -c, "true"]
`, srv.URL, setting)
			path := filepath.Join(dir, "postflight.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{OldImage: "app:1.0"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != report.RolledBack {
				t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
			}
			got := byName(rep)
			if got["healthy"] != slo.Pass || got["orders"] != slo.Fail {
				t.Fatalf("checks %v", got)
			}
			load := rep.Checks[2]
			switch {
			case failFast && (load.Status != slo.Inconclusive || !strings.Contains(load.Reason, "not run: the phase stopped after orders failed")):
				t.Errorf("the check after the failure: %s %q, want not run", load.Status, load.Reason)
			case failFast && loaded.Load() != 0:
				t.Errorf("%d load requests were sent after the phase stopped", loaded.Load())
			case !failFast && load.Status != slo.Pass:
				t.Errorf("without fail_fast the load check was %s: %s", load.Status, load.Reason)
			}
		})
	}
}
