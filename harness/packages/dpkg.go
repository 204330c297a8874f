package packages

import (
	"context"
	"io"
	"path"
	"strings"
)

// dpkgCataloger reads Debian's package database: /var/lib/dpkg/status, and
// the status.d directory where distroless images keep one file per package.
type dpkgCataloger struct{}

const (
	dpkgStatus  = "/var/lib/dpkg/status"
	dpkgStatusD = "/var/lib/dpkg/status.d"
)

func (dpkgCataloger) wants(p string, _ int64) bool {
	if p == dpkgStatus {
		return true
	}
	dir, base := path.Split(p)
	// status.d/NAME.md5sums files list a package's files, not the package.
	return dir == dpkgStatusD+"/" && !strings.HasSuffix(base, ".md5sums") && !strings.HasPrefix(base, ".")
}

func (dpkgCataloger) ecosystem() Ecosystem { return Deb }

func (dpkgCataloger) maxSize(p string) int64 {
	if p == dpkgStatus {
		return maxDatabaseSize
	}
	return maxMetadataSize
}

func (dpkgCataloger) read(_ context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: Deb}
	statusD := p != dpkgStatus
	sr := &streamReader{r: r}
	err := readStanzas(sr, false, func(s *stanza) bool {
		dpkgEntry(rec, p, statusD, s)
		return !rec.problemsFull() && !rec.overflow
	})
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		rec.unreadable(p, "read dpkg database: %v", err)
	}
	return rec, nil
}

// dpkgEntry records one stanza of the database at p.
func dpkgEntry(rec *record, p string, statusD bool, s *stanza) {
	name := s.get("Package")
	if s.bad != "" {
		rec.problem(p, s.badAt, name, "%s", s.bad)
		return
	}
	if name == "" {
		rec.problem(p, s.line, "", "entry has no Package field")
		return
	}
	status := s.get("Status")
	if status == "" && !statusD {
		rec.problem(p, s.line, name, "entry has no Status field")
		return
	}
	if status != "" {
		words := strings.Fields(status)
		if len(words) != 3 {
			rec.problem(p, s.line, name, "Status %q is not \"WANT FLAG STATE\"", truncate(status, 60))
			return
		}
		if words[2] == "not-installed" || words[2] == "config-files" {
			return // removed; only its configuration files, if any, are left
		}
	}
	version := s.get("Version")
	if version == "" {
		rec.problem(p, s.line, name, "entry has no Version field")
		return
	}
	rec.add(Package{Ecosystem: Deb, Name: name, Version: version, Arch: s.get("Architecture"), Locations: []string{p}})
}
