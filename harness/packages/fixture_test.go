package packages

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// fixtureChanges is the diff from postflight-pkgs:old to postflight-pkgs:new
// (fixtures/packages/genfs and the Dockerfiles there say why each).
var fixtureChanges = []Change{
	{Ecosystem: Deb, Name: "cron", Kind: Removed, Old: "3.0pl1-162", Arch: "amd64"},
	{Ecosystem: Deb, Name: "e2fsprogs", Kind: Upgraded, Old: "1.47.0-2", New: "1:1.46.6-1", Arch: "amd64", Major: true},
	{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "2.36-9+deb12u4", New: "2.36-9+deb12u7", Arch: "amd64"},
	{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "2.36-9+deb12u4", New: "2.36-9+deb12u7", Arch: "i386"},
	{Ecosystem: Deb, Name: "libjemalloc2", Kind: Downgraded, Old: "5.3.0-1", New: "5.3.0-1~bpo11+1", Arch: "amd64"},
	{Ecosystem: Deb, Name: "libssl3", Kind: Upgraded, Old: "3.0.11-1~deb12u2", New: "3.0.13-1~deb12u1", Arch: "amd64"},
	{Ecosystem: Deb, Name: "libyaml-0-2", Kind: Added, New: "0.2.5-1", Arch: "amd64"},
	{Ecosystem: Deb, Name: "openssl", Kind: Upgraded, Old: "3.0.11-1~deb12u2", New: "3.0.13-1~deb12u1", Arch: "amd64"},
	{Ecosystem: Deb, Name: "python3-chardet", Kind: Removed, Old: "5.1.0+dfsg-2", Arch: "all"},
	{Ecosystem: Deb, Name: "python3-idna", Kind: Upgraded, Old: "3.3-1+deb12u1", New: "3.4-1", Arch: "all"},
	{Ecosystem: Deb, Name: "tzdata", Kind: Upgraded, Old: "2024a-0+deb12u1", New: "2024b-0+deb12u1", Arch: "all"},
	{Ecosystem: Deb, Name: "wget", Kind: Removed, Old: "1.21.3-1+b2", Arch: "amd64"},
	{Ecosystem: Deb, Name: "zlib1g", Kind: Upgraded, Old: "1:1.2.13.dfsg-1", New: "1:1.3.dfsg+really1.3.1-1", Arch: "amd64"},
	{Ecosystem: PyPI, Name: "chardet", Kind: Removed, Old: "5.1.0"},
	{Ecosystem: PyPI, Name: "eventlet", Kind: Upgraded, Old: "0.20.0", New: "0.20.1"},
	{Ecosystem: PyPI, Name: "greenlet", Kind: Upgraded, Old: "2.0.2", New: "3.0.0rc3", Major: true},
	{Ecosystem: PyPI, Name: "idna", Kind: Upgraded, Old: "3.3", New: "3.4"},
	{Ecosystem: PyPI, Name: "PyYAML", Kind: Added, New: "6.0.1"},
	{Ecosystem: PyPI, Name: "setuptools", Kind: Downgraded, Old: "68.0.0", New: "66.1.1", Major: true},
	{Ecosystem: PyPI, Name: "urllib3", Kind: Upgraded, Old: "1.26.18", New: "2.0.7", Major: true},
	{Ecosystem: PyPI, Name: "zope.interface", Kind: Upgraded, Old: "6.0", New: "6.1"},
	{Ecosystem: NPM, Name: "@types/node", Kind: Downgraded, Old: "20.11.0", New: "18.19.3", Major: true},
	{Ecosystem: NPM, Name: "express", Kind: Upgraded, Old: "4.18.2", New: "4.19.2"},
	{Ecosystem: NPM, Name: "left-pad", Kind: Removed, Old: "1.3.0"},
	{Ecosystem: NPM, Name: "qs", Kind: Upgraded, Old: "6.11.0", New: "6.11.2"},
	{Ecosystem: NPM, Name: "semver", Kind: Upgraded, Old: "7.5.4", New: "7.6.0-rc.1"},
	{Ecosystem: Golang, Name: "example.com/fixture/clock", Kind: Upgraded, Old: "v0.0.0-20240105120000-0123456789ab", New: "v0.0.0-20240612090000-abcdef012345"},
	{Ecosystem: Golang, Name: "example.com/fixture/colors", Kind: Removed, Old: "v0.3.1"},
	{Ecosystem: Golang, Name: "example.com/fixture/greet", Kind: Upgraded, Old: "v1.2.0", New: "v1.3.0"},
	{Ecosystem: Golang, Name: "example.com/fixture/retry", Kind: Added, New: "v0.1.0"},
}

// fixtureUnchanged is how many packages both fixture images have at the
// same version: the old image's 346 Debian entries less the 12 changed or
// removed, 4 Python distributions, 4 node modules (debug twice), and from
// the Go program its own module and the toolchain.
const fixtureUnchanged = 334 + 4 + 4 + 2

// assertFixtureDiff checks a diff of the fixture images, whatever they were
// read from.
func assertFixtureDiff(t *testing.T, d *Diff) {
	t.Helper()
	got := make([]string, len(d.Changes))
	for i, c := range d.Changes {
		c.Locations, c.Note = nil, ""
		got[i] = fmt.Sprintf("%+v", c)
	}
	want := make([]string, len(fixtureChanges))
	for i, c := range fixtureChanges {
		want[i] = fmt.Sprintf("%+v", c)
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if d.Unchanged != fixtureUnchanged {
		t.Errorf("unchanged = %d, want %d", d.Unchanged, fixtureUnchanged)
	}
	if len(d.Problems) > 0 {
		t.Errorf("problems: %v", d.Problems)
	}
	if len(d.Old.Layers) != 2 || len(d.New.Layers) != 3 || d.Old.Layers[0] != d.New.Layers[0] {
		t.Errorf("layers: old %v, new %v: want 2 and 3, the first shared", d.Old.Layers, d.New.Layers)
	}
}

func TestFixtureDiffFromTheDaemon(t *testing.T) {
	fixtureImages(t)
	d, err := Compare(context.Background(), fixtureOld, fixtureNew)
	if err != nil {
		t.Fatal(err)
	}
	assertFixtureDiff(t, d)
	if d.Old.Ref != fixtureOld || d.New.Ref != fixtureNew || !strings.HasPrefix(d.Old.ID, "sha256:") || d.Old.ID == d.New.ID {
		t.Errorf("images: old %+v, new %+v", d.Old, d.New)
	}
	// Where each change is recorded: the database, the metadata file
	// (an egg-info file, a dist-info directory), the package.json, the binary.
	where := map[string]string{}
	for _, c := range d.Changes {
		where[c.Name] = strings.Join(c.Locations, " ")
	}
	for pkg, loc := range map[string]string{
		"libssl3":                   "/var/lib/dpkg/status",
		"idna":                      "/usr/lib/python3/dist-packages/idna-3.4.egg-info",
		"eventlet":                  "/usr/local/lib/python3.11/site-packages/eventlet-0.20.1.dist-info/METADATA",
		"chardet":                   "/usr/lib/python3/dist-packages/chardet-5.1.0.egg-info/PKG-INFO",
		"qs":                        "/srv/app/node_modules/qs/package.json",
		"example.com/fixture/greet": "/usr/local/bin/pkgs-app",
	} {
		if where[pkg] != loc {
			t.Errorf("%s is recorded at %q, want %q", pkg, where[pkg], loc)
		}
	}
}

func TestFixtureInventories(t *testing.T) {
	fixtureImages(t)
	for _, tc := range []struct {
		ref    string
		counts map[Ecosystem]int
	}{
		// 346 status entries; 345 in the new one, one of them only
		// config files left (not installed).
		{fixtureOld, map[Ecosystem]int{Deb: 346, PyPI: 11, NPM: 9, Golang: 5}},
		{fixtureNew, map[Ecosystem]int{Deb: 344, PyPI: 11, NPM: 8, Golang: 5}},
	} {
		inv, err := Read(context.Background(), tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		got := map[Ecosystem]int{}
		for _, p := range inv.Packages {
			got[p.Ecosystem]++
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.counts) {
			t.Errorf("%s: packages per ecosystem %v, want %v", tc.ref, got, tc.counts)
		}
		has := func(e Ecosystem, name, version string) bool {
			return slices.ContainsFunc(inv.Packages, func(p Package) bool {
				return p.Ecosystem == e && p.Name == name && p.Version == version
			})
		}
		// The toolchain that built the fixture is the one running the test.
		for _, p := range []Package{
			{Ecosystem: Golang, Name: "stdlib", Version: runtime.Version()},
			{Ecosystem: Golang, Name: "example.com/postflight/pkgs-app", Version: "(devel)"},
			{Ecosystem: NPM, Name: "debug", Version: "2.6.9"}, // nested in express
			{Ecosystem: NPM, Name: "debug", Version: "4.3.4"},
			{Ecosystem: PyPI, Name: "six", Version: "1.16.0"},             // an egg-info file
			{Ecosystem: PyPI, Name: "certifi", Version: "2022.9.24"},      // an egg-info directory
			{Ecosystem: Deb, Name: "base-files", Version: "12.4+deb12u5"}, // on hold
		} {
			if !has(p.Ecosystem, p.Name, p.Version) {
				t.Errorf("%s lacks %s %s %s", tc.ref, p.Ecosystem, p.Name, p.Version)
			}
		}
		if has(NPM, "fixture-app", "1.0.0") {
			t.Errorf("%s lists the application's own package.json, outside node_modules", tc.ref)
		}
	}
}

// The same diff comes out of every kind of source: a docker save tarball
// (one holding both images, picked by tag), an OCI layout and a tar of one,
// and a registry.
func TestFixtureDiffFromEveryTransport(t *testing.T) {
	fixtureImages(t)
	saved := saveFixtures(t, fixtureOld, fixtureNew)
	imgs := map[string]v1.Image{}
	for _, ref := range []string{fixtureOld, fixtureNew} {
		tag, err := name.NewTag(ref)
		if err != nil {
			t.Fatal(err)
		}
		img, err := tarball.ImageFromPath(saved, &tag)
		if err != nil {
			t.Fatal(err)
		}
		imgs[ref] = img
	}
	layoutDir := ociLayout(t, imgs)
	host := testRegistry(t)
	cases := map[string][2]string{
		"docker-archive": {"docker-archive:" + saved + ":" + fixtureOld, "docker-archive:" + saved + ":" + fixtureNew},
		"oci":            {"oci:" + layoutDir + ":" + fixtureOld, "oci:" + layoutDir + ":" + fixtureNew},
		"oci-archive":    {"oci-archive:" + tarDir(t, layoutDir) + ":" + fixtureOld, "oci-archive:" + tarDir(t, layoutDir) + ":" + fixtureNew},
		"registry":       {push(t, host, "pkgs:old", imgs[fixtureOld]), push(t, host, "pkgs:new", imgs[fixtureNew])},
		"mixed":          {"docker-archive:" + saved + ":" + fixtureOld, fixtureNew},
	}
	for name, refs := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := Compare(context.Background(), refs[0], refs[1])
			if err != nil {
				t.Fatal(err)
			}
			assertFixtureDiff(t, d)
			if d.Old.Ref != refs[0] || d.New.Ref != refs[1] {
				t.Errorf("refs %q, %q; want %q", d.Old.Ref, d.New.Ref, refs)
			}
		})
	}
}
