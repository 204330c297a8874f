package packages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	for _, tc := range []struct {
		in        string
		transport Transport
		name      string
	}{
		{"app:1.4.0", Daemon, "app:1.4.0"},
		{"registry.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Daemon, "registry.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"sha256:9b65b9ecc9bd", Daemon, "sha256:9b65b9ecc9bd"},
		{"docker-daemon:app:1.4.0", Daemon, "app:1.4.0"},
		{"docker://ghcr.io/team/app:1.4.0", Registry, "ghcr.io/team/app:1.4.0"},
		{"docker://localhost:5000/app", Registry, "localhost:5000/app"},
		{"docker-archive:/tmp/app.tar", DockerArchive, "/tmp/app.tar"},
		{"docker-archive:app.tar:app:1.4.0", DockerArchive, "app.tar:app:1.4.0"},
		{"oci-archive:app.oci.tar", OCIArchive, "app.oci.tar"},
		{"oci:./layout", OCILayout, "./layout"},
	} {
		r, err := ParseReference(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if r.Transport != tc.transport || r.Name != tc.name || r.String() != tc.in {
			t.Errorf("%q: %s %q (%s), want %s %q", tc.in, r.Transport, r.Name, r, tc.transport, tc.name)
		}
	}
	for in, want := range map[string]string{
		"":                  "names no image",
		"docker://":         "names no image",
		"oci:":              "names no image",
		"docker://Bad/Name": "could not parse reference",
		"https://x/app":     "not an image name (for a registry, write docker://NAME)",
		"app with spaces":   "not an image name",
	} {
		if _, err := ParseReference(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one saying %q", in, err, want)
		}
	}
}

// An archive's path runs to the first colon unless the whole name is a
// file: then it is all path.
func TestArchivePathAndSelector(t *testing.T) {
	dir := t.TempDir()
	colon := filepath.Join(dir, "app:1.tar")
	if err := os.WriteFile(colon, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string][2]string{
		"docker-archive:" + colon:                      {colon, ""},
		"docker-archive:" + dir + "/app.tar:app:1":     {dir + "/app.tar", "app:1"},
		"docker-archive:" + dir + "/app.tar":           {dir + "/app.tar", ""},
		"oci:" + dir + "/layout:registry.io/app:1.4.0": {dir + "/layout", "registry.io/app:1.4.0"},
	} {
		r, err := ParseReference(in)
		if err != nil {
			t.Fatal(err)
		}
		p, sel := r.pathAndSelector()
		if p != want[0] || sel != want[1] {
			t.Errorf("%q: path %q, selector %q; want %q", in, p, sel, want)
		}
	}
}
