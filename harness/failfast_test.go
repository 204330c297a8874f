package harness_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// An image check that fails while the replica comes up ends the check
// phase there: the replica's start is stopped and removed, its checks are
// not run (never passed), no "stack up" failure is made up, and the run
// rolls back.
func TestRunFailFastImageCheckStopsTheStackComingUp(t *testing.T) {
	cli := needDocker(t)
	b, err := os.ReadFile(demoPlan)
	if err != nil {
		t.Fatal(err)
	}
	demoDir, _ := filepath.Abs(filepath.Dir(demoPlan))
	src := strings.NewReplacer(
		"fail_fast: false", "fail_fast: true",
		"compose: compose.yaml", "compose: "+filepath.Join(demoDir, "compose.yaml"),
		"package: e2e", "package: "+filepath.Join(demoDir, "e2e"),
	).Replace(string(b))
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// 1.4.0 carries an undeclared upgrade: the packages check fails in
	// well under the replica's start.
	var progress syncBuffer
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{
		NewImage: "postflight-demo:1.4.0", OldImage: "postflight-demo:1.0.0", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.RolledBack {
		t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
	}
	if log := progress.String(); strings.Contains(log, "interrupted") || !strings.Contains(log, "stack: stopped coming up: the phase stopped at a failed check") {
		t.Errorf("progress says the run was interrupted, or not why the stack stopped:\n%s", log)
	}
	for _, c := range rep.Checks {
		switch {
		case c.Name == "stack up":
			t.Errorf("a stack stopped by fail fast reported as a failure of its own: %s", c.Reason)
		case c.Name == "packages" && c.Status != slo.Fail:
			t.Errorf("packages: %s %s", c.Status, c.Reason)
		case c.Name != "packages" && (c.Status != slo.Inconclusive || !strings.HasPrefix(c.Reason, "not run: the phase stopped after packages failed")):
			t.Errorf("%s: %s %q, want not run", c.Name, c.Status, c.Reason)
		}
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// syncBuffer is a buffer written from more than one goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
