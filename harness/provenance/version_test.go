package provenance

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

func TestHighestVersion(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tags        []string
		prereleases bool
		constraint  string
		want        string
		versions    int
	}{
		{"ignores tags that are not versions", []string{"latest", "1.0.0", "main", "1.2.0", "1.10.0-rc.1", "sha-abc"}, false, "", "1.2.0", 2},
		{"orders numerically, not as text", []string{"1.9.0", "1.10.0", "1.2.0"}, false, "", "1.10.0", 3},
		{"leaves pre-releases out", []string{"1.2.0", "1.3.0-rc.1", "1.3.0-beta"}, false, "", "1.2.0", 1},
		{"takes pre-releases when asked", []string{"1.2.0", "1.3.0-rc.1", "1.3.0-beta"}, true, "", "1.3.0-rc.1", 3},
		{"a release outranks its pre-release", []string{"1.3.0-rc.1", "1.3.0"}, true, "", "1.3.0", 2},
		{"reads v prefixes and short forms", []string{"v2", "v1.9.9"}, false, "", "v2", 2},
		{"prefers the canonical spelling of equal versions", []string{"v1.2.0", "1.2.0", "1.2"}, false, "", "1.2.0", 3},
		{"keeps to the constraint", []string{"1.2.0", "1.4.1", "2.0.0"}, false, "~1.4", "1.4.1", 1},
		{"nothing qualifies", []string{"latest", "2.0.0-rc.1"}, false, "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *semver.Constraints
			if tc.constraint != "" {
				var err error
				if c, err = semver.NewConstraint(tc.constraint); err != nil {
					t.Fatal(err)
				}
			}
			got, n, ok := highestVersion(tc.tags, tc.prereleases, c)
			if got != tc.want || n != tc.versions || ok != (tc.want != "") {
				t.Errorf("highestVersion(%v) = %q, %d, %v; want %q, %d", tc.tags, got, n, ok, tc.want, tc.versions)
			}
		})
	}
}

func TestMutableTag(t *testing.T) {
	rules := []string{"stable", "main-*"}
	for ref, mutable := range map[string]bool{
		"app":                       true,
		"localhost:5000/app":        true,
		"localhost:5000/app:latest": true,
		"app:stable":                true,
		"app:main-20240101":         true,
		"app:1.2.0":                 false,
		"localhost:5000/app:latest@sha256:" + hex64: false,
		"app@sha256:" + hex64:                       false,
		"app:stable-1":                              false,
	} {
		if got := mutableTag(ref, rules) != ""; got != mutable {
			t.Errorf("mutableTag(%q) = %v, want %v", ref, got, mutable)
		}
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
