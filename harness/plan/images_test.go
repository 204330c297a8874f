package plan

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseImageChecks(t *testing.T) {
	src := `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
  - {name: prov, kind: provenance, provenance: {compose_project: shop, compose: compose.yaml, mutable_tags: [stable]}}
  - {name: integ, kind: integrity}
  - {name: hyg, kind: hygiene, hygiene: {ports: [8080], names: [shop]}}
`
	p, err := parseInDir(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	pv := p.Checks[0].Provenance
	if pv.Intended != IntendedHighestSemver || !filepath.IsAbs(pv.Compose) || pv.MutableTags[0] != "stable" {
		t.Errorf("provenance (with defaults) = %+v", pv)
	}
	if in := p.Checks[1].Integrity; in == nil || strings.Join(in.Images, ",") != "new,old" {
		t.Errorf("integrity default images = %+v", in)
	}
	if in := p.Checks[1].Integrity; in.Timeout.Duration != DefaultIntegrityTimeout || DefaultIntegrityTimeout != 10*time.Second {
		t.Errorf("integrity default timeout = %s, want 10s", in.Timeout.Duration)
	}
}

func TestParseImageCheckErrors(t *testing.T) {
	head := "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n"
	tests := []struct {
		name, check string
		line, col   int
		want        string
	}{
		{"provenance without section", "  - {name: p, kind: provenance}\n", 5, 5, `missing required field "provenance"`},
		{"provenance with nothing to look at", "  - {name: p, kind: provenance, provenance: {prereleases: true}}\n", 5, 45, "set compose_project or swarm_services"},
		{"bad intended reference", "  - {name: p, kind: provenance, provenance: {compose_project: x, intended: 'Bad Ref!'}}\n", 5, 76, `expected "highest-semver" or an image reference`},
		{"bad constraint", "  - {name: p, kind: provenance, provenance: {compose_project: x, constraint: '~>>1'}}\n", 5, 78, "invalid version constraint"},
		{"missing compose file", "  - {name: p, kind: provenance, provenance: {compose: nope.yaml}}\n", 5, 55, `compose file "nope.yaml"`},
		{"bad image reference", "  - {name: i, kind: integrity, integrity: {images: [new, 'UPPER/Case:x']}}\n", 5, 58, `expected "new", "old" or an image reference`},
		{"bad platform", "  - {name: i, kind: integrity, integrity: {platforms: [amd64]}}\n", 5, 56, "expected a platform like linux/amd64"},
		{"integrity timeout of zero", "  - {name: i, kind: integrity, integrity: {timeout: 0s}}\n", 5, 53, "expected a duration greater than zero"},
		{"hygiene with nothing", "  - {name: h, kind: hygiene, hygiene: {}}\n", 5, 39, "set ports or names"},
		{"hygiene bad port", "  - {name: h, kind: hygiene, hygiene: {ports: [0]}}\n", 5, 48, "expected a port between 1 and 65535"},
		{"service on an image check", "  - {name: h, kind: hygiene, service: api, hygiene: {ports: [80]}}\n", 5, 30, `service does not apply to a "hygiene" check`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInDir(t, head+tt.check, "")
			wantErrorAt(t, err, tt.line, tt.col, tt.want)
		})
	}
}
