package packages

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func inv(ref string, pkgs ...Package) *Inventory {
	return &Inventory{Image: Image{Ref: ref}, Packages: pkgs, unreadable: map[string]bool{}}
}

func pkg(e Ecosystem, name, version string, loc ...string) Package {
	return Package{Ecosystem: e, Name: name, Version: version, Locations: loc}
}

func debArch(name, version, arch string) Package {
	return Package{Ecosystem: Deb, Name: name, Version: version, Arch: arch, Locations: []string{dpkgStatus}}
}

func changes(d *Diff) []string {
	var out []string
	for _, c := range d.Changes {
		s := fmt.Sprintf("%s %s %s %s->%s", c.Ecosystem, c.Name, c.Kind, c.Old, c.New)
		if c.Arch != "" {
			s += " " + c.Arch
		}
		if c.Major {
			s += " major"
		}
		if c.Note != "" {
			s += " (" + c.Note + ")"
		}
		out = append(out, s)
	}
	return out
}

func TestDiffVersions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, new  []Package
		want      []string
		unchanged int
	}{{
		name:      "a package at several versions: identical copies cancel out",
		old:       []Package{pkg(NPM, "debug", "2.6.9"), pkg(NPM, "debug", "4.3.4")},
		new:       []Package{pkg(NPM, "debug", "2.6.9"), pkg(NPM, "debug", "4.3.5")},
		want:      []string{"npm debug upgraded 4.3.4->4.3.5"},
		unchanged: 1,
	}, {
		name: "the highest pairs with the highest, the rest are added or removed",
		old:  []Package{pkg(NPM, "debug", "2.6.9"), pkg(NPM, "debug", "3.2.7")},
		new:  []Package{pkg(NPM, "debug", "4.3.4")},
		want: []string{"npm debug removed 2.6.9->", "npm debug upgraded 3.2.7->4.3.4 major"},
	}, {
		name:      "architectures pair with their own",
		old:       []Package{debArch("libc6", "2.36-9", "amd64")},
		new:       []Package{debArch("libc6", "2.36-9+deb12u7", "amd64"), debArch("libc6", "2.36-9+deb12u7", "i386")},
		want:      []string{"deb libc6 added ->2.36-9+deb12u7 i386", "deb libc6 upgraded 2.36-9->2.36-9+deb12u7 amd64"},
		unchanged: 0,
	}, {
		name: "the same version on another architecture",
		old:  []Package{debArch("python3-six", "1.16.0-4", "amd64")},
		new:  []Package{debArch("python3-six", "1.16.0-4", "all")},
		want: []string{"deb python3-six changed 1.16.0-4->1.16.0-4 amd64 -> all (the architecture changed: amd64 -> all)"},
	}, {
		name: "a version its ecosystem's rules do not parse cannot be ordered",
		old:  []Package{pkg(Golang, "example.com/app", "(devel)")},
		new:  []Package{pkg(Golang, "example.com/app", "v1.0.0")},
		want: []string{`golang example.com/app changed (devel)->v1.0.0 (cannot order the versions: old: "(devel)" is not a module version)`},
	}, {
		name: "the same version written differently",
		old:  []Package{pkg(PyPI, "requests", "2.0")},
		new:  []Package{pkg(PyPI, "requests", "2.0.0")},
		want: []string{"pypi requests changed 2.0->2.0.0 (the same version by pypi rules, written differently)"},
	}, {
		name:      "Python names are compared as PEP 503 normalizes them",
		old:       []Package{pkg(PyPI, "Flask_Login", "0.6.3")},
		new:       []Package{pkg(PyPI, "flask-login", "0.6.3"), pkg(PyPI, "Zope.Interface", "6.1")},
		want:      []string{"pypi Zope.Interface added ->6.1"},
		unchanged: 1,
	}, {
		name: "the same name in two ecosystems is two packages",
		old:  []Package{pkg(PyPI, "six", "1.16.0"), debArch("six", "1.16.0-4", "all")},
		new:  []Package{pkg(PyPI, "six", "1.17.0"), debArch("six", "1.16.0-4", "all")},
		want: []string{"pypi six upgraded 1.16.0->1.17.0"}, unchanged: 1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d := DiffInventories(inv("old", tc.old...), inv("new", tc.new...))
			if got := changes(d); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if d.Unchanged != tc.unchanged {
				t.Errorf("unchanged %d, want %d", d.Unchanged, tc.unchanged)
			}
		})
	}
}

// A package that could not be read in either image is neither added nor
// removed: the problem says what is unknown, and the rest of the diff is
// there.
func TestDiffLeavesUnknownPackagesOut(t *testing.T) {
	old := inv("old",
		debArch("curl", "7.88.1-10", "amd64"), debArch("wget", "1.21.3-1", "amd64"), debArch("zlib1g", "1:1.2.13-1", "amd64"),
		pkg(Golang, "stdlib", "go1.22.0", "/usr/bin/app"), pkg(Golang, "golang.org/x/net", "v0.20.0", "/usr/bin/app"),
		pkg(NPM, "left-pad", "1.3.0", "/app/node_modules/left-pad/package.json"),
	)
	new := inv("new",
		debArch("curl", "7.88.1-10+deb12u5", "amd64"), debArch("zlib1g", "1:1.2.13-1", "amd64"),
		pkg(NPM, "left-pad", "1.3.0", "/app/node_modules/left-pad/package.json"),
	)
	new.Problems = []Problem{
		{Image: "new", Layer: "sha256:0123456789abcdef0123", File: dpkgStatus, Line: 120, Ecosystem: Deb, Package: "wget", Message: "entry has no Version field"},
		{Image: "new", File: "/usr/bin/app", Ecosystem: Golang, Message: "read Go build information: ...", whole: true},
	}
	new.unreadable["/usr/bin/app"] = true
	d := DiffInventories(old, new)
	if got, want := changes(d), []string{"deb curl upgraded 7.88.1-10->7.88.1-10+deb12u5 amd64"}; !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	if len(d.Problems) != 2 || d.Unchanged != 2 {
		t.Errorf("problems %v, unchanged %d", d.Problems, d.Unchanged)
	}
	if got, want := d.Problems[0].String(), "new: /var/lib/dpkg/status:120 (layer sha256:0123456789ab): deb package wget: entry has no Version field"; got != want {
		t.Errorf("problem reads %q, want %q", got, want)
	}
}

func TestChangeString(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{Change{Ecosystem: PyPI, Name: "eventlet", Kind: Upgraded, Old: "0.20.0", New: "0.20.1"}, "pypi eventlet 0.20.0 -> 0.20.1"},
		{Change{Ecosystem: Deb, Name: "wget", Kind: Removed, Old: "1.21.3-1"}, "deb wget 1.21.3-1 -> (none)"},
		{Change{Ecosystem: NPM, Name: "@types/node", Kind: Added, New: "18.19.3"}, "npm @types/node (none) -> 18.19.3"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	if !strings.Contains(describe(Change{Kind: Downgraded, Major: true}), "major downgrade") {
		t.Error("describe")
	}
}
