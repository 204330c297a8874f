package packages

import (
	"context"
	"io"
	"path"
	"strings"
)

// pythonCataloger reads the metadata of installed Python distributions in
// any site-packages or dist-packages directory: NAME-VERSION.dist-info/METADATA
// (wheels, pip), NAME-VERSION.egg-info/PKG-INFO and NAME-VERSION.egg-info
// files (setuptools; Debian's python3-* packages).
type pythonCataloger struct{}

func (pythonCataloger) wants(p string, _ int64) bool {
	_, _, ok := pythonDistribution(p)
	return ok
}

// pythonDistribution splits the path of a metadata file into the
// distribution's directory entry (foo-1.0.dist-info) and the name the
// entry's own name gives.
func pythonDistribution(p string) (entry, name string, ok bool) {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info"),
		base == "PKG-INFO" && strings.HasSuffix(dir, ".egg-info"):
		entry = path.Base(dir)
		dir = path.Dir(dir)
	case strings.HasSuffix(base, ".egg-info"):
		entry = base
	default:
		return "", "", false
	}
	if b := path.Base(dir); b != "site-packages" && b != "dist-packages" {
		return "", "", false
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(entry, ".dist-info"), ".egg-info")
	name, _, _ = strings.Cut(stem, "-")
	return entry, name, name != ""
}

func (pythonCataloger) ecosystem() Ecosystem { return PyPI }

func (pythonCataloger) maxSize(string) int64 { return maxMetadataSize }

func (pythonCataloger) read(_ context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: PyPI}
	_, dirName, _ := pythonDistribution(p)
	sr := &streamReader{r: r}
	var headers *stanza
	err := readStanzas(sr, true, func(s *stanza) bool { headers = s; return false })
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		rec.problem(p, 0, dirName, "read metadata: %v", err)
		return rec, nil
	}
	if headers == nil {
		rec.problem(p, 0, dirName, "metadata is empty")
		return rec, nil
	}
	name, version := headers.get("Name"), headers.get("Version")
	switch {
	case headers.bad != "":
		rec.problem(p, headers.badAt, dirName, "%s", headers.bad)
	case name == "":
		rec.problem(p, headers.line, dirName, "metadata has no Name field")
	case version == "":
		rec.problem(p, headers.line, name, "metadata has no Version field")
	default:
		rec.add(Package{Ecosystem: PyPI, Name: name, Version: version, Locations: []string{p}})
	}
	return rec, nil
}
