package packages

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// readWith runs a cataloger over content at path.
func readWith(t *testing.T, c cataloger, path, content string) *record {
	t.Helper()
	if !c.wants(path, 0o644) {
		t.Fatalf("%T does not want %s", c, path)
	}
	rec, err := c.read(context.Background(), path, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func versions(rec *record) []string {
	var out []string
	for _, p := range rec.packages {
		s := p.Name + " " + p.Version
		if p.Arch != "" {
			s += " " + p.Arch
		}
		out = append(out, s)
	}
	return out
}

func problems(rec *record) []string {
	var out []string
	for _, p := range rec.problems {
		out = append(out, fmt.Sprintf("%d %s: %s", p.Line, p.Package, p.Message))
	}
	return out
}

func TestDpkgStatus(t *testing.T) {
	status := `Package: libssl3
Status: install ok installed
Architecture: amd64
Version: 3.0.13-1~deb12u1
Description: Secure Sockets Layer toolkit
 multi-line description
 .
 with a paragraph break

Package: cron
Status: deinstall ok config-files
Architecture: amd64
Version: 3.0pl1-162
Conffiles:
 /etc/crontab 0123

Package: base-files
Status: hold ok installed
Version: 12.4+deb12u5

Package: broken-one
Status: install ok installed
this line has no colon
Version: 1.0

Package: no-version
Status: install ok installed

Status: install ok installed
Version: 2.0

Package: bad-status
Status: installed
Version: 1.0

Package: zlib1g
Status: install ok installed
Architecture: amd64
Version: 1:1.3.dfsg+really1.3.1-1
`
	rec := readWith(t, dpkgCataloger{}, "/var/lib/dpkg/status", status)
	want := []string{"libssl3 3.0.13-1~deb12u1 amd64", "base-files 12.4+deb12u5", "zlib1g 1:1.3.dfsg+really1.3.1-1 amd64"}
	if got := versions(rec); !slices.Equal(got, want) {
		t.Errorf("packages %q, want %q", got, want)
	}
	wantProblems := []string{
		`23 broken-one: line "this line has no colon" is not a "Field: value" line`,
		"26 no-version: entry has no Version field",
		"29 : entry has no Package field",
		`32 bad-status: Status "installed" is not "WANT FLAG STATE"`,
	}
	if got := problems(rec); !slices.Equal(got, wantProblems) {
		t.Errorf("problems %q\nwant %q", got, wantProblems)
	}
}

func TestDpkgStatusD(t *testing.T) {
	c := dpkgCataloger{}
	for p, want := range map[string]bool{
		"/var/lib/dpkg/status.d/base":          true,
		"/var/lib/dpkg/status.d/libc6.md5sums": false,
		"/var/lib/dpkg/status.d/sub/x":         false,
		"/var/lib/dpkg/status-old":             false,
		"/var/lib/dpkg/available":              false,
	} {
		if got := c.wants(p, 0o644); got != want {
			t.Errorf("wants(%s) = %v", p, got)
		}
	}
	// Distroless status.d files may have no Status field.
	rec := readWith(t, c, "/var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n")
	if got := versions(rec); !slices.Equal(got, []string{"tzdata 2024a-0+deb12u1 all"}) || len(rec.problems) > 0 {
		t.Errorf("status.d: %q %v", got, rec.problems)
	}
}

func TestAPKInstalled(t *testing.T) {
	db := `C:Q1Fz0Yf5k2k=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
T:the musl c library (libc) implementation

P:busybox
V:1.36.1-r15
A:x86_64

P:no-version
A:x86_64

garbage line
P:ssl_client
V:1.36.1-r15

V:1.0-r0

P:zlib
V:1.3.1-r0
A:x86_64
`
	rec := readWith(t, apkCataloger{}, "/lib/apk/db/installed", db)
	want := []string{"musl 1.2.4-r2 x86_64", "busybox 1.36.1-r15 x86_64", "zlib 1.3.1-r0 x86_64"}
	if got := versions(rec); !slices.Equal(got, want) {
		t.Errorf("packages %q, want %q", got, want)
	}
	wantProblems := []string{
		"12 no-version: entry has no V: (version) line",
		`15 ssl_client: line "garbage line" is not a "K:value" line`,
		"19 : entry has no P: (package name) line",
	}
	if got := problems(rec); !slices.Equal(got, wantProblems) {
		t.Errorf("problems %q\nwant %q", got, wantProblems)
	}
}

func TestPythonMetadata(t *testing.T) {
	c := pythonCataloger{}
	for p, want := range map[string]bool{
		"/usr/local/lib/python3.11/site-packages/eventlet-0.20.0.dist-info/METADATA":   true,
		"/usr/lib/python3/dist-packages/six-1.16.0.egg-info":                           true,
		"/usr/lib/python3/dist-packages/certifi-2022.9.24.egg-info/PKG-INFO":           true,
		"/opt/venv/lib/python3.12/site-packages/Flask_Login-0.6.3.dist-info/METADATA":  true,
		"/usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt":             false,
		"/usr/local/lib/python3.11/site-packages/pip/_vendor/x-1.0.dist-info/METADATA": false,
		"/usr/share/doc/eventlet-0.20.0.dist-info/METADATA":                            false,
		"/usr/local/lib/python3.11/site-packages/eventlet/METADATA":                    false,
	} {
		if got := c.wants(p, 0o644); got != want {
			t.Errorf("wants(%s) = %v", p, got)
		}
	}
	const site = "/usr/local/lib/python3.11/site-packages/"
	for _, tc := range []struct {
		path, content, pkg, problem string
	}{
		{site + "eventlet-0.20.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: eventlet\nVersion: 0.20.1\nSummary: x\n\nVersion: 9.9.9 (the body)\n", "eventlet 0.20.1", ""},
		{site + "torch-2.1.0+cpu.dist-info/METADATA", "Name: torch\nVersion: 2.1.0+cpu\n", "torch 2.1.0+cpu", ""},
		{site + "nover-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: nover\n", "", "1 nover: metadata has no Version field"},
		{site + "noname-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 1.0\n", "", "1 noname: metadata has no Name field"},
		{site + "empty-1.0.dist-info/METADATA", "", "", "0 empty: metadata is empty"},
		{site + "bad-1.0.dist-info/METADATA", "Name: bad\nnot a header\nVersion: 1.0\n", "", `2 bad: line "not a header" is not a "Field: value" line`},
	} {
		rec := readWith(t, c, tc.path, tc.content)
		if got := strings.Join(versions(rec), ","); got != tc.pkg {
			t.Errorf("%s: packages %q, want %q", tc.path, got, tc.pkg)
		}
		if got := strings.Join(problems(rec), ","); got != tc.problem {
			t.Errorf("%s: problems %q, want %q", tc.path, got, tc.problem)
		}
	}
}

func TestNodePackageJSON(t *testing.T) {
	c := npmCataloger{}
	for p, want := range map[string]bool{
		"/app/node_modules/express/package.json":                      true,
		"/app/node_modules/@types/node/package.json":                  true,
		"/app/node_modules/express/node_modules/debug/package.json":   true,
		"/app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json": true,
		"/app/package.json":                                              false,
		"/app/node_modules/qs/lib/package.json":                          false,
		"/app/node_modules/.package-lock.json":                           false,
		"/app/node_modules/.bin/package.json":                            false,
		"/app/node_modules/@types/package.json":                          false,
		"/app/node_modules/@scope/name/dist/package.json":                false,
		"/usr/lib/node_modules/npm/node_modules/@npmcli/fs/package.json": true,
	} {
		if got := c.wants(p, 0o644); got != want {
			t.Errorf("wants(%s) = %v", p, got)
		}
	}
	for _, tc := range []struct {
		path, content, pkg, problem string
	}{
		{"/a/node_modules/express/package.json", `{"name": "express", "version": "4.19.2"}`, "express 4.19.2", ""},
		{"/a/node_modules/@types/node/package.json", `{"name": "@types/node", "version": "18.19.3"}`, "@types/node 18.19.3", ""},
		{"/a/node_modules/alias/package.json", `{"name": "real-name", "version": "1.0.0"}`, "real-name 1.0.0", ""},
		{"/a/node_modules/noname/package.json", `{"version": "1.0.0"}`, "noname 1.0.0", ""},
		{"/a/node_modules/nover/package.json", `{"name": "nover"}`, "", "0 nover: package.json has no version"},
		{"/a/node_modules/broken/package.json", "{\n  \"name\": \"broken\",\n  \"version\": 1.0\n}", "", "3 broken: package.json is not valid JSON: json: cannot unmarshal number into Go struct field .version of type string"},
		{"/a/node_modules/trunc/package.json", "{\n\"name\": \"trunc\",\n", "", "3 trunc: package.json is not valid JSON: unexpected end of JSON input"},
	} {
		rec := readWith(t, c, tc.path, tc.content)
		if got := strings.Join(versions(rec), ","); got != tc.pkg {
			t.Errorf("%s: packages %q, want %q", tc.path, got, tc.pkg)
		}
		if got := strings.Join(problems(rec), ","); got != tc.problem {
			t.Errorf("%s: problems %q, want %q", tc.path, got, tc.problem)
		}
	}
}
