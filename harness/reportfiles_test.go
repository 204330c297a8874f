package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
)

// Reports quote the service's answers, which may carry secrets: a report
// directory and its files are the owner's alone, also when an earlier run
// left a file readable by others.
func TestRunReportsReadableByOwnerOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	p, _ := existingPlan(t, srv.URL, "hold", false)
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "nested"), dir} {
		rep, err := harness.Run(context.Background(), p, harness.Options{OldImage: "app:1.0", ReportDir: d})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Outcome != report.Passed {
			t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
		}
	}
	for _, d := range []string{filepath.Join(dir, "nested")} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("report directory %s: mode %v, err %v; want 0700", d, fi.Mode().Perm(), err)
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, "nested")} {
		for _, name := range []string{"postflight.json", "junit.xml", "summary.md"} {
			fi, err := os.Stat(filepath.Join(d, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Join(d, name), fi.Mode().Perm())
			}
		}
	}
}
