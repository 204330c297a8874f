package packages

import (
	"fmt"
	goversion "go/version"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	pep440 "github.com/aquasecurity/go-pep440-version"
	apkversion "github.com/knqyf263/go-apk-version"
	debversion "github.com/knqyf263/go-deb-version"
	rpmversion "github.com/knqyf263/go-rpm-version"
	modsemver "golang.org/x/mod/semver"
)

// version is a version parsed by its ecosystem's rules.
type version struct {
	// compare orders it against another version of the same ecosystem.
	compare func(other version) int
	// major is the part whose change makes an upgrade major: the epoch
	// and the first number of the release.
	major string
	raw   any
}

// parseVersion parses a version by the rules of its ecosystem (and, for Go,
// of the package: the toolchain's versions are not module versions).
func parseVersion(e Ecosystem, pkg, v string) (version, error) {
	switch e {
	case Deb:
		dv, err := debversion.NewVersion(v)
		if err != nil {
			return version{}, err
		}
		return version{
			compare: func(o version) int { return dv.Compare(o.raw.(debversion.Version)) },
			major:   fmt.Sprintf("%d:%s", dv.Epoch(), leadingNumber(dv.Version())),
			raw:     dv,
		}, nil
	case RPM:
		if v == "" || strings.Count(v, ":") > 1 {
			return version{}, fmt.Errorf("%q is not [EPOCH:]VERSION-RELEASE", v)
		}
		rv := rpmversion.NewVersion(v)
		return version{
			compare: func(o version) int { return rv.Compare(o.raw.(rpmversion.Version)) },
			major:   fmt.Sprintf("%d:%s", rv.Epoch(), leadingNumber(rv.Version())),
			raw:     rv,
		}, nil
	case APK:
		av, err := apkversion.NewVersion(v)
		if err != nil {
			return version{}, err
		}
		return version{
			compare: func(o version) int { return av.Compare(o.raw.(apkversion.Version)) },
			major:   leadingNumber(v),
			raw:     av,
		}, nil
	case PyPI:
		pv, err := pep440.Parse(v)
		if err != nil {
			return version{}, err
		}
		base := pv.BaseVersion()
		major, _, _ := strings.Cut(base, ".")
		return version{
			compare: func(o version) int { return pv.Compare(o.raw.(pep440.Version)) },
			major:   major,
			raw:     pv,
		}, nil
	case NPM:
		sv, err := semver.NewVersion(v)
		if err != nil {
			return version{}, err
		}
		return version{
			compare: func(o version) int { return sv.Compare(o.raw.(*semver.Version)) },
			major:   strconv.FormatUint(sv.Major(), 10),
			raw:     sv,
		}, nil
	case Golang:
		if pkg == goStdlib {
			// "go1.26.8", maybe followed by experiments: " X:nodwarf5".
			gv, _, _ := strings.Cut(v, " ")
			if !goversion.IsValid(gv) {
				return version{}, fmt.Errorf("%q is not a Go toolchain version", v)
			}
			return version{
				compare: func(o version) int { return goversion.Compare(gv, o.raw.(string)) },
				major:   "1",
				raw:     gv,
			}, nil
		}
		if !modsemver.IsValid(v) {
			return version{}, fmt.Errorf("%q is not a module version", v)
		}
		return version{
			compare: func(o version) int { return modsemver.Compare(v, o.raw.(string)) },
			major:   modsemver.Major(v),
			raw:     v,
		}, nil
	}
	return version{}, fmt.Errorf("unknown ecosystem %q", e)
}

// compareVersions orders two versions of a package by its ecosystem's
// rules.
func compareVersions(e Ecosystem, pkg, a, b string) (int, error) {
	va, err := parseVersion(e, pkg, a)
	if err != nil {
		return 0, err
	}
	vb, err := parseVersion(e, pkg, b)
	if err != nil {
		return 0, err
	}
	return va.compare(vb), nil
}

// leadingNumber is the first run of digits of s ("12" of "12.1~rc1"), or
// s up to its first separator when it starts with none.
func leadingNumber(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end == 0 {
		end = strings.IndexAny(s, ".-+~_")
	}
	if end < 0 {
		return s
	}
	return s[:end]
}
