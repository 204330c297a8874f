package plan

import (
	"fmt"
	"os"
	"time"
)

// KindGinkgo is a user's own Ginkgo suite, run against the stack.
const KindGinkgo = "ginkgo"

// DefaultGinkgoTimeout bounds a ginkgo check's run when its timeout is
// unset: a suite is many requests, not one.
const DefaultGinkgoTimeout = 10 * time.Minute

// GinkgoSpec names a user's Ginkgo v2 suite. postflight runs it with the
// base URL of every service in its environment (POSTFLIGHT_URL_<SERVICE>;
// see package suites) and turns each spec into a result.
type GinkgoSpec struct {
	// Package is the directory of the suite's Go package, relative to the
	// plan; postflight builds it with go test -c. Binary, instead, is a
	// test binary built before. One of them is set.
	Package string `yaml:"package"`
	Binary  string `yaml:"binary"`
	// LabelFilter selects specs by label (Ginkgo's label filter syntax).
	LabelFilter string `yaml:"label_filter"`
	// Services are the stack services whose URLs the suite is given; all
	// of them when empty.
	Services []string `yaml:"services"`
}

// GinkgoKind is a check that runs a user's Ginkgo suite.
var GinkgoKind = Kind{
	Name:     KindGinkgo,
	Help:     "your own Ginkgo suite, one result per spec",
	Fields:   []string{"ginkgo"},
	Validate: validateGinkgo,
	Defaults: func(p *Plan, c *Check) {
		if c.Timeout.Duration == 0 {
			c.Timeout = Duration{DefaultGinkgoTimeout, true}
		}
		c.Ginkgo.Package = p.Resolve(c.Ginkgo.Package)
		c.Ginkgo.Binary = p.Resolve(c.Ginkgo.Binary)
	},
	ServicePorts: func(c *Check) []ServicePort {
		var out []ServicePort
		if c.Ginkgo != nil {
			for _, s := range c.Ginkgo.Services {
				out = append(out, ServicePort{Service: s})
			}
		}
		return out
	},
}

func validateGinkgo(c *Check, p Problems) {
	if !p.Required("ginkgo") {
		return
	}
	g := c.Ginkgo
	switch {
	case g.Package == "" && g.Binary == "":
		p.At("ginkgo", "name the suite: package (a Go package directory, built with go test -c) or binary (a test binary)")
	case g.Package != "" && g.Binary != "":
		p.At("ginkgo", "give package or binary, not both")
	case g.Package != "":
		if fi, err := os.Stat(p.Resolve(g.Package)); err != nil || !fi.IsDir() {
			p.At("ginkgo.package", "%s", notThere("a package directory", g.Package, p.Resolve(g.Package), err))
		}
	default:
		if fi, err := os.Stat(p.Resolve(g.Binary)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			p.At("ginkgo.binary", "%s", notThere("an executable test binary", g.Binary, p.Resolve(g.Binary), err))
		}
	}
	for i, s := range g.Services {
		p.Service(fmt.Sprintf("ginkgo.services[%d]", i), s)
	}
}

// notThere says that a path a plan names is not what (article and noun)
// it should be.
func notThere(what, name, resolved string, err error) string {
	where := ""
	if resolved != name {
		where = fmt.Sprintf(" (looked for %s)", resolved)
	}
	if err != nil && os.IsNotExist(err) {
		return fmt.Sprintf("%q does not exist%s", name, where)
	}
	return fmt.Sprintf("%q is not %s%s", name, what, where)
}
