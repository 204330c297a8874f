package provenance

import (
	"strings"
	"testing"

	"github.com/postflight/postflight/slo"
)

func TestScanTagsFlagsMutableTagsWithFileAndLine(t *testing.T) {
	t.Setenv("CRON_TAG", "") // unset-or-empty takes the default, stable
	scan, err := ScanTags("testdata/compose.yaml", "stable")
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		line, col int
		mutable   bool
		resolved  string
	}
	want := map[string]pos{
		"frontend": {8, 12, true, "registry.example/shop/frontend:latest"},
		"api":      {10, 12, false, "registry.example/shop/api:1.4.2"},
		"worker":   {3, 10, true, "registry.example/shop/worker"},
		"cron":     {14, 12, true, "registry.example/shop/cron:stable"},
		"pinned":   {16, 12, false, ""},
		"edge":     {20, 12, false, "registry.example/shop/edge:2.0.1"},
	}
	if len(scan.Images) != len(want) {
		t.Fatalf("got %d images, want %d (the build-only service has none): %+v", len(scan.Images), len(want), scan.Images)
	}
	for _, u := range scan.Images {
		w, ok := want[u.Service]
		if !ok {
			t.Errorf("unexpected service %s", u.Service)
			continue
		}
		if u.Line != w.line || u.Column != w.col || (u.Mutable != "") != w.mutable || (w.resolved != "" && u.Resolved != w.resolved) {
			t.Errorf("%s: line %d col %d mutable %q resolved %q; want %d:%d mutable=%v %q", u.Service, u.Line, u.Column, u.Mutable, u.Resolved, w.line, w.col, w.mutable, w.resolved)
		}
	}
	if scan.Status != slo.Fail {
		t.Errorf("status %s, want fail", scan.Status)
	}
	for _, loc := range []string{"testdata/compose.yaml:8:12", "testdata/compose.yaml:3:10", "testdata/compose.yaml:14:12"} {
		if !strings.Contains(scan.Reason, loc) {
			t.Errorf("reason should point at %s: %s", loc, scan.Reason)
		}
	}
	if r := scan.Result(); r.Kind != KindMutableTags || r.Status != slo.Fail || r.Target != "testdata/compose.yaml" {
		t.Errorf("result %+v", r)
	}
}

func TestScanTagsPassesPinnedImages(t *testing.T) {
	path := t.TempDir() + "/compose.yaml"
	writeFile(t, path, "services:\n  web:\n    image: app:1.2.3\n  db:\n    image: db@sha256:"+hex64+"\n")
	scan, err := ScanTags(path)
	if err != nil {
		t.Fatal(err)
	}
	if scan.Status != slo.Pass || len(scan.Images) != 2 || len(scan.Flagged()) != 0 {
		t.Errorf("status %s, %d images, %d flagged; want pass, 2, 0: %s", scan.Status, len(scan.Images), len(scan.Flagged()), scan.Reason)
	}
}

// A file with no service image has nothing to judge: not a pass.
func TestScanTagsOfNoImageIsInconclusive(t *testing.T) {
	path := t.TempDir() + "/compose.yaml"
	writeFile(t, path, "services:\n  web:\n    build: .\n")
	scan, err := ScanTags(path)
	if err != nil {
		t.Fatal(err)
	}
	if scan.Status != slo.Inconclusive || !strings.Contains(scan.Reason, "names no service image") {
		t.Errorf("status %s: %s; want inconclusive", scan.Status, scan.Reason)
	}
}

func TestScanTagsRejectsAFileThatIsNotYAML(t *testing.T) {
	path := t.TempDir() + "/compose.yaml"
	writeFile(t, path, "services: [unclosed\n")
	if _, err := ScanTags(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want a parse error naming the file", err)
	}
	if _, err := ScanTags(path + ".missing"); err == nil {
		t.Error("want an error for a missing file")
	}
}
