package harness_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/slo"
)

// importImage makes a tiny local image of one dpkg database.
func importImage(t *testing.T, ref, status string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "root/var/lib/dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root/var/lib/dpkg/status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	tar := filepath.Join(dir, "image.tar")
	if out, err := exec.Command("tar", "-C", filepath.Join(dir, "root"), "-cf", tar, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	out, err := exec.Command("docker", "import", "--change", "LABEL io.postflight.test=adv", tar, ref).Output()
	if err != nil {
		t.Fatalf("docker import: %v", err)
	}
	// By ID: the image outlives its tag when the tag moves.
	id := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("docker", "image", "rm", "-f", id).Run() })
}

// A tag that moves while the run measures it: the checks may have looked at
// two images, and none of them need be the one the run was asked about. The
// image under test carries an undeclared upgrade; the tag moves, mid-run, to
// a copy of the old image, and a packages check that reads it then sees no
// difference (it runs beside the health check: it may read either). The
// run names the move, and is never a pass.
func TestRunWhoseImageTagMovesMidRunIsInconclusive(t *testing.T) {
	needDocker(t)
	const old, bad, moved = "postflight-adv-pin:old", "postflight-adv-pin:new", "postflight-adv-pin:clean"
	stanza := func(v string) string {
		return "Package: openssl\nStatus: install ok installed\nVersion: " + v + "\nArchitecture: amd64\n\n"
	}
	importImage(t, old, stanza("3.0.9-1"))
	importImage(t, bad, stanza("3.0.11-1"))
	importImage(t, moved, stanza("3.0.9-1"))
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			if out, err := exec.Command("docker", "tag", moved, bad).CombinedOutput(); err != nil {
				t.Errorf("docker tag: %v: %s", err, out)
			}
		})
	}))
	defer srv.Close()
	path := writeExistingPlan(t, srv.URL, `checks:
  - {name: health, kind: http, service: web, timeout: 5s}
  - {name: packages, kind: packages}
policy: {fail_fast: false} # the health check always runs, and moves the tag
`)
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{OldImage: old, NewImage: bad})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome == report.Passed || !strings.Contains(rep.Summary, bad+" moved") && rep.Outcome == report.Inconclusive {
		t.Fatalf("outcome %s (exit %d): %s; want no pass, naming the tag that moved", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	var found bool
	for _, c := range rep.Checks {
		found = found || (c.Status == slo.Inconclusive && strings.Contains(c.Reason, bad+" moved during the run"))
	}
	if !found {
		t.Errorf("no result names %s: %+v", bad, rep.Checks)
	}
}

// An interrupt mid-run is not a tag that moved: the images are looked at
// again whatever stopped the run, and are where they were.
func TestInterruptedRunDoesNotSayItsImagesMoved(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cancel() }))
	defer srv.Close()
	path := writeExistingPlan(t, srv.URL, `checks:
  - {name: packages, kind: packages}
  - {name: health, kind: http, service: web, timeout: 5s}
`)
	rep, err := harness.Run(ctx, loadPlan(t, path), harness.Options{OldImage: "postflight-demo:1.0.0", NewImage: "postflight-demo:1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Interrupted {
		t.Errorf("outcome %s: %s, want interrupted", rep.Outcome, rep.Summary)
	}
	for _, c := range rep.Checks {
		if strings.Contains(c.Name, "moved") {
			t.Errorf("check %s: %s", c.Name, c.Reason)
		}
	}
}

// A run whose old and new image are one tag reports that tag's move once.
func TestTagMovedUnderBothImagesIsReportedOnce(t *testing.T) {
	needDocker(t)
	const tag, other = "postflight-adv-pin:both", "postflight-adv-pin:other"
	importImage(t, tag, "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n")
	importImage(t, other, "Package: a\nStatus: install ok installed\nVersion: 2\nArchitecture: amd64\n\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if out, err := exec.Command("docker", "tag", other, tag).CombinedOutput(); err != nil {
			t.Errorf("docker tag: %v: %s", err, out)
		}
	}))
	defer srv.Close()
	path := writeExistingPlan(t, srv.URL, `checks:
  - {name: packages, kind: packages}
  - {name: health, kind: http, service: web, timeout: 5s}
policy: {fail_fast: false}
`)
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{OldImage: tag, NewImage: tag})
	if err != nil {
		t.Fatal(err)
	}
	var moved int
	for _, c := range rep.Checks {
		if strings.Contains(c.Name, "moved") {
			moved++
		}
	}
	if moved != 1 {
		t.Errorf("%d results of the move, want 1: %+v", moved, rep.Checks)
	}
}
