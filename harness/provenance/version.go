package provenance

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// highestVersion picks the tag with the highest semantic version. Tags
// that are not versions (latest, main, sha-abc) are ignored, as are
// pre-releases (1.3.0-rc.1) unless prereleases is set, and versions the
// constraint (if any) rejects. Of equal versions (1.2.0, v1.2.0) the
// canonical spelling wins. ok is false when no tag qualifies; versions is
// how many did.
func highestVersion(tags []string, prereleases bool, constraint *semver.Constraints) (tag string, versions int, ok bool) {
	var best *semver.Version
	for _, t := range slices.Sorted(slices.Values(tags)) {
		v, err := semver.NewVersion(t)
		if err != nil || (v.Prerelease() != "" && !prereleases) {
			continue
		}
		if constraint != nil && !constraint.Check(v) {
			continue
		}
		versions++
		switch c := compare(v, best); {
		case c > 0, c == 0 && canonical(t, v) && !canonical(tag, best):
			best, tag = v, t
		}
	}
	return tag, versions, best != nil
}

// compare orders versions, with build metadata as a tie breaker so that the
// choice does not depend on the order tags are listed in.
func compare(v, best *semver.Version) int {
	if best == nil {
		return 1
	}
	if c := v.Compare(best); c != 0 {
		return c
	}
	return strings.Compare(v.Metadata(), best.Metadata())
}

// canonical reports whether tag spells v the way SemVer does (1.2.0, not
// v1.2.0 or 1.2).
func canonical(tag string, v *semver.Version) bool {
	return v != nil && tag == v.String()
}
