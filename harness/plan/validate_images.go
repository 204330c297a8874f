package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
)

// provenanceCheck validates a "provenance" check.
func (v *validator) provenanceCheck(path string, c *Check) {
	sp := path + ".provenance"
	p := c.Provenance
	if p == nil {
		if !v.bad[sp] {
			v.fail(path, "missing required field %q: the compose project or Swarm services to look at", "provenance")
		}
		return
	}
	if !v.has(sp+".compose_project") && !v.has(sp+".swarm_services") && !v.has(sp+".compose") && !v.erredUnder(sp) {
		v.fail(sp, "set compose_project or swarm_services (what runs), or compose (a file to scan for mutable tags)")
	}
	if v.has(sp+".intended") && p.Intended != IntendedHighestSemver {
		if _, err := name.ParseReference(p.Intended); err != nil {
			v.fail(sp+".intended", "expected %q or an image reference, got %q: %v", IntendedHighestSemver, p.Intended, err)
		}
	}
	if v.has(sp + ".constraint") {
		if _, err := semver.NewConstraint(p.Constraint); err != nil {
			v.fail(sp+".constraint", "invalid version constraint %q (like ~1.4 or <2): %v", p.Constraint, err)
		}
	}
	for i, pat := range p.MutableTags {
		if _, err := filepath.Match(pat, ""); err != nil {
			v.fail(fmt.Sprintf("%s.mutable_tags[%d]", sp, i), "invalid tag pattern %q: %v", pat, err)
		}
	}
	if v.has(sp + ".compose") {
		if _, err := os.Stat(v.plan.Resolve(p.Compose)); err != nil {
			v.fail(sp+".compose", "compose file %q: %v", p.Compose, unwrapPath(err))
		}
	}
}

// integrityCheck validates an "integrity" check.
func (v *validator) integrityCheck(path string, c *Check) {
	sp := path + ".integrity"
	if c.Integrity == nil {
		return // defaults: the run's new and old images
	}
	for i, ref := range c.Integrity.Images {
		if ref == "new" || ref == "old" {
			continue
		}
		if _, err := name.ParseReference(ref); err != nil {
			v.fail(fmt.Sprintf("%s.images[%d]", sp, i), `expected "new", "old" or an image reference, got %q: %v`, ref, err)
		}
	}
	v.positive(sp+".timeout", c.Integrity.Timeout)
	for i, pl := range c.Integrity.Platforms {
		if parts := strings.Split(pl, "/"); len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			v.fail(fmt.Sprintf("%s.platforms[%d]", sp, i), "expected a platform like linux/amd64 or linux/arm64/v8, got %q", pl)
		}
	}
}

// hygieneCheck validates a "hygiene" check.
func (v *validator) hygieneCheck(path string, c *Check) {
	sp := path + ".hygiene"
	h := c.Hygiene
	if h == nil {
		if !v.bad[sp] {
			v.fail(path, "missing required field %q: the ports and names the stack holds", "hygiene")
		}
		return
	}
	if len(h.Ports) == 0 && len(h.Names) == 0 && !v.erredUnder(sp) {
		v.fail(sp, "set ports or names: what the stack holds on the host")
	}
	for i, p := range h.Ports {
		if p < 1 || p > 65535 {
			v.fail(fmt.Sprintf("%s.ports[%d]", sp, i), "expected a port between 1 and 65535, got %d", p)
		}
	}
}
