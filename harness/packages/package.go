package packages

import (
	"cmp"
	"regexp"
	"strings"
)

// Package is one installed package: a database entry, a metadata file, or a
// module compiled into a Go executable.
type Package struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	// Name is the name as recorded (a Go module path for golang, "stdlib"
	// for the Go toolchain an executable was built with).
	Name string `json:"name"`
	// Version is the version exactly as recorded: a Debian version with
	// its epoch and revision, an RPM [EPOCH:]VERSION-RELEASE, a PEP 440
	// version, a semantic version.
	Version string `json:"version"`
	// Arch is the architecture, for the ecosystems that record one.
	Arch string `json:"arch,omitempty"`
	// Locations are the files in the image that record the package: the
	// database, the metadata file, the executables.
	Locations []string `json:"locations,omitempty"`
}

// key identifies a package across images: its ecosystem and its name,
// normalized where the ecosystem says two spellings are one package.
type key struct {
	Ecosystem Ecosystem
	Name      string
}

func (p Package) key() key {
	return key{p.Ecosystem, normalizeName(p.Ecosystem, p.Name)}
}

var pythonSeparators = regexp.MustCompile(`[-_.]+`)

// normalizeName is the name under which an ecosystem considers two
// spellings the same package: PEP 503 for Python ("Foo_Bar" is "foo-bar").
func normalizeName(e Ecosystem, name string) string {
	if e == PyPI {
		return strings.ToLower(pythonSeparators.ReplaceAllString(name, "-"))
	}
	return name
}

func comparePackages(a, b Package) int {
	return cmp.Or(
		cmp.Compare(a.Ecosystem.rank(), b.Ecosystem.rank()),
		cmp.Compare(normalizeName(a.Ecosystem, a.Name), normalizeName(b.Ecosystem, b.Name)),
		cmp.Compare(a.Version, b.Version),
		cmp.Compare(a.Arch, b.Arch),
	)
}
