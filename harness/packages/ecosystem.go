package packages

import (
	"fmt"
	"strings"
)

// Ecosystem is a kind of package, named as in package URLs (purl types).
type Ecosystem string

// The ecosystems read from images, in the order reports list them.
const (
	Deb    Ecosystem = "deb"    // Debian and Ubuntu: dpkg
	RPM    Ecosystem = "rpm"    // Red Hat, Fedora, SUSE: rpm
	APK    Ecosystem = "apk"    // Alpine: apk
	PyPI   Ecosystem = "pypi"   // Python distributions
	NPM    Ecosystem = "npm"    // Node modules
	Golang Ecosystem = "golang" // Go modules compiled into executables
)

// Ecosystems lists every ecosystem, in report order.
var Ecosystems = []Ecosystem{Deb, RPM, APK, PyPI, NPM, Golang}

// ParseEcosystem reads an ecosystem name.
func ParseEcosystem(s string) (Ecosystem, error) {
	for _, e := range Ecosystems {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown ecosystem %q (want one of %s)", s, ecosystemNames())
}

func ecosystemNames() string {
	names := make([]string, len(Ecosystems))
	for i, e := range Ecosystems {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// rank orders ecosystems in reports.
func (e Ecosystem) rank() int {
	for i, x := range Ecosystems {
		if x == e {
			return i
		}
	}
	return len(Ecosystems)
}
