package plan

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolvePlanPaths(t *testing.T) {
	p := &Plan{Path: filepath.Join("deploy", "shop", "postflight.yaml")}
	tests := []struct{ name, in, want string }{
		{"absolute path is used as it is", "/srv/shop/compose.yaml", "/srv/shop/compose.yaml"},
		{"relative path is relative to the plan", "compose.yaml", filepath.Join("deploy", "shop", "compose.yaml")},
		{"relative path may leave the plan's directory", "../base/compose.yaml", filepath.Join("deploy", "base", "compose.yaml")},
		{"no path stays none", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Resolve(tt.in); got != tt.want {
				t.Errorf("Resolve(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPlanComposePathsMayBeAbsolute(t *testing.T) {
	elsewhere := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(elsewhere, []byte(testCompose), 0o644); err != nil {
		t.Fatal(err)
	}
	plans := map[string]string{
		"stack.replica.compose": "version: 1\nstack:\n  replica: {compose: " + elsewhere + ", under_test: [api]}\nchecks:\n  - {name: h, kind: http, service: api}\n",
		"provenance.compose": "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n" +
			"  - {name: p, kind: provenance, provenance: {compose: " + elsewhere + "}}\n",
	}
	for field, src := range plans {
		t.Run(field, func(t *testing.T) {
			p, err := parseInDir(t, src, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if field == "provenance.compose" && p.Checks[0].Provenance.Compose != elsewhere {
				t.Errorf("provenance.compose = %q, want %q", p.Checks[0].Provenance.Compose, elsewhere)
			}
		})
	}
}
