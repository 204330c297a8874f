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
		for _, name := range []string{"postflight.json", "junit.xml", "summary.md", "report.html"} {
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

// A report directory reused from an earlier run: every file this run can
// write says this run's outcome, even when another of them cannot be
// written, and a file that is a symlink is replaced, not written through
// to where it points.
func TestRunReportsNeverLeaveAnEarlierRunsFiles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	p, _ := existingPlan(t, srv.URL, "hold", false)
	p.Rollback.Driver = ""
	dir := filepath.Join(t.TempDir(), "reports")
	outside := filepath.Join(t.TempDir(), "elsewhere.xml")
	if err := os.MkdirAll(filepath.Join(dir, "postflight.json", "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	const earlier = "## postflight existing: passed\n"
	for name, data := range map[string]string{"summary.md": earlier, outside: "not a report"} {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "junit.xml")); err != nil {
		t.Fatal(err)
	}
	rep, err := harness.Run(context.Background(), p, harness.Options{ReportDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Failed {
		t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "summary.md")); !strings.Contains(string(b), "existing: failed") {
		t.Errorf("summary.md after a failed run:\n%s", b)
	}
	if b, _ := os.ReadFile(outside); string(b) != "not a report" {
		t.Errorf("the report was written through the symlink to %s:\n%s", outside, b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "junit.xml")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("junit.xml is not a file of its own: %v, err %v", fi, err)
	} else if b, _ := os.ReadFile(filepath.Join(dir, "junit.xml")); !strings.Contains(string(b), "<failure") {
		t.Errorf("junit.xml after a failed run:\n%s", b)
	}
	if len(rep.Errors) == 0 || !strings.Contains(strings.Join(rep.Errors, "\n"), "postflight.json") {
		t.Errorf("the file that could not be written is not reported: %q", rep.Errors)
	}
}
