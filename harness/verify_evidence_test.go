package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
)

// A rollback of a running stack is verified only by checks that could tell
// the old version from the new: verify checks that all passed on the new
// version pass again after a rollback command that did nothing, and are no
// evidence that the old version is back.
func TestRollbackVerifiedOnlyByChecksTheNewVersionPassedIsNotVerified(t *testing.T) {
	tests := []struct {
		name    string
		command string
		verify  string
		want    report.Outcome
		summary string
	}{
		{"a command that does nothing, verified by a check the new version passed",
			"true", "[health]", report.RollbackFailed, "every verify check passed on the new version too"},
		{"a command that rolls back, verified by the check that failed",
			"touch rolled-back", "[health, orders]", report.RolledBack, "ROLLED BACK and verified"},
		{"a command that does nothing, verified by the check that failed",
			"true", "[health, orders]", report.RollbackFailed, "ROLLBACK FAILED: rolled back, but verification did not pass: 1 of 2 checks failed: orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ordersPlan(t, tt.command, tt.verify)
			rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{OldImage: "app:1.0", NewImage: "app:1.1"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != tt.want || !strings.Contains(rep.Summary, tt.summary) {
				t.Fatalf("outcome %s (exit %d): %s; want %s, saying %q", rep.Outcome, rep.ExitCode, rep.Summary, tt.want, tt.summary)
			}
		})
	}
}

// ordersPlan writes an existing-stack plan for a service whose health
// passes whatever runs and whose orders fail until the rollback command
// leaves the file "rolled-back" beside the plan; its rollback runs command
// and verifies with the checks in verify.
func ordersPlan(t *testing.T, command, verify string) string {
	t.Helper()
	dir := t.TempDir()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(filepath.Join(dir, "rolled-back")); r.URL.Path == "/orders" && err != nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	src := fmt.Sprintf(`version: 1
stack:
  existing:
    services:
      web: {url: %q}
checks:
  - {name: health, kind: http, service: web, request: {path: /healthz}, timeout: 2s}
  - {name: orders, kind: http, service: web, request: {path: /orders}, timeout: 2s}
rollback:
  driver: command
  command: [sh, -c, %q]
  state_dir: state
  verify: %s
`, srv.URL, command, verify)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
