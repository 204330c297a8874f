package packages

import "testing"

func TestVersionOrder(t *testing.T) {
	for _, tc := range []struct {
		eco      Ecosystem
		pkg      string
		a, b     string
		order    int
		sameMajr bool
	}{
		// Debian: epochs outrank everything, ~ sorts before anything, + after.
		{Deb, "e2fsprogs", "1.47.0-2", "1:1.46.6-1", -1, false},
		{Deb, "libjemalloc2", "5.3.0-1", "5.3.0-1~bpo11+1", 1, true},
		{Deb, "libssl3", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", -1, true},
		{Deb, "zlib1g", "1:1.2.13.dfsg-1", "1:1.3.dfsg+really1.3.1-1", -1, true},
		{Deb, "x", "1.0~rc1", "1.0", -1, true},
		{Deb, "x", "1.0+b1", "1.0", 1, true},
		{Deb, "x", "9.0-1", "10.0-1", -1, false},
		// RPM: epoch, then version, then release.
		{RPM, "bash", "5.1.8-2.fc35", "5.1.8-10.fc35", -1, true},
		{RPM, "glibc", "2.34-1", "1:2.17-1", -1, false},
		{RPM, "x", "1.0~rc1-1", "1.0-1", -1, true},
		// apk: -rN revisions, _alpha/_rc suffixes before the release.
		{APK, "musl", "1.2.4-r2", "1.2.4-r10", -1, true},
		{APK, "x", "1.2.4_rc1-r0", "1.2.4-r0", -1, true},
		{APK, "x", "2.0-r0", "10.0-r0", -1, false},
		// PEP 440: pre-releases before the release, local versions after it.
		{PyPI, "greenlet", "3.0.0rc3", "3.0.0", -1, true},
		{PyPI, "torch", "2.1.0", "2.1.0+cpu", -1, true},
		{PyPI, "x", "1.0.post1", "1.0", 1, true},
		{PyPI, "x", "1!0.9", "2.0", 1, false},
		{PyPI, "x", "1.0", "1.0.0", 0, true},
		// npm: semver, pre-releases before the release.
		{NPM, "semver", "7.5.4", "7.6.0-rc.1", -1, true},
		{NPM, "x", "7.6.0-rc.1", "7.6.0", -1, true},
		{NPM, "@types/node", "20.11.0", "18.19.3", 1, false},
		// Go modules: pseudo-versions by time; the toolchain by go/version.
		{Golang, "example.com/m", "v0.0.0-20240105120000-0123456789ab", "v0.0.0-20240612090000-abcdef012345", -1, true},
		{Golang, "example.com/m", "v1.9.0", "v1.10.0", -1, true},
		{Golang, "example.com/m", "v2.0.0+incompatible", "v1.9.0", 1, false},
		{Golang, "stdlib", "go1.21.13", "go1.22.0", -1, true},
		{Golang, "stdlib", "go1.22rc1", "go1.22.0", -1, true},
		{Golang, "stdlib", "go1.22.1 X:boringcrypto", "go1.22.0", 1, true},
	} {
		a, err := parseVersion(tc.eco, tc.pkg, tc.a)
		if err != nil {
			t.Errorf("%s %s: %v", tc.eco, tc.a, err)
			continue
		}
		b, err := parseVersion(tc.eco, tc.pkg, tc.b)
		if err != nil {
			t.Errorf("%s %s: %v", tc.eco, tc.b, err)
			continue
		}
		if got := sign(a.compare(b)); got != tc.order {
			t.Errorf("%s: %s vs %s: %d, want %d", tc.eco, tc.a, tc.b, got, tc.order)
		}
		if got := a.major == b.major; got != tc.sameMajr {
			t.Errorf("%s: %s vs %s: majors %q and %q, same = %v, want %v", tc.eco, tc.a, tc.b, a.major, b.major, got, tc.sameMajr)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestVersionsTheirRulesReject(t *testing.T) {
	for _, tc := range []struct {
		eco      Ecosystem
		pkg, ver string
	}{
		{Deb, "x", "1.0 beta"},
		{Deb, "x", "a1.0"},
		{APK, "x", "1.0-beta"},
		{PyPI, "x", "not-a-version"},
		{NPM, "x", "latest"},
		{Golang, "example.com/m", "(devel)"},
		{Golang, "example.com/m", "1.2.3"},
		{Golang, "stdlib", "devel go1.23-abcdef"},
		{RPM, "x", "1:2:3"},
	} {
		if _, err := parseVersion(tc.eco, tc.pkg, tc.ver); err == nil {
			t.Errorf("%s %q parsed", tc.eco, tc.ver)
		}
	}
}
