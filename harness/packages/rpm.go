package packages

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	// The SQLite driver go-rpmdb opens rpmdb.sqlite with ("sqlite"):
	// pure Go, the one postflight uses elsewhere.
	_ "modernc.org/sqlite"
)

// rpmCataloger reads RPM's package database in any of the formats in use:
// BerkeleyDB (Packages: RHEL/CentOS 7 and 8, Amazon Linux 2), NDB
// (Packages.db: SUSE) and SQLite (rpmdb.sqlite: Fedora 33+, RHEL 9), at
// /var/lib/rpm or /usr/lib/sysimage/rpm. All three are read in pure Go:
// github.com/knqyf263/go-rpmdb parses BerkeleyDB and NDB itself and opens
// SQLite with modernc.org/sqlite, a translation of SQLite to Go (no cgo).
type rpmCataloger struct{}

// rpmDatabases are the database files, in the order rpm prefers them when
// an image holds more than one.
var rpmDatabases = []string{
	"/usr/lib/sysimage/rpm/rpmdb.sqlite",
	"/var/lib/rpm/rpmdb.sqlite",
	"/usr/lib/sysimage/rpm/Packages.db",
	"/var/lib/rpm/Packages.db",
	"/usr/lib/sysimage/rpm/Packages",
	"/var/lib/rpm/Packages",
}

func (rpmCataloger) wants(p string, _ int64) bool {
	for _, db := range rpmDatabases {
		if p == db {
			return true
		}
	}
	return false
}

// read copies the database to a temporary file, the one file of an image
// postflight writes to disk: the reader opens databases by path (SQLite
// needs a file).
func (rpmCataloger) read(ctx context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: RPM}
	f, err := os.CreateTemp("", "postflight-rpmdb-*")
	if err != nil {
		return nil, fmt.Errorf("copy rpm database %s: %w", p, err)
	}
	defer os.Remove(f.Name())
	sr := &streamReader{r: r}
	_, err = io.Copy(f, sr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		return nil, fmt.Errorf("copy rpm database %s: %w", p, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	db, err := rpmdb.Open(f.Name())
	if err != nil {
		rec.unreadable(p, "open rpm database: %v", err)
		return rec, nil
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		rec.unreadable(p, "read rpm database: %v", err)
		return rec, nil
	}
	for _, pkg := range pkgs {
		if pkg.Name == "" || pkg.Version == "" {
			rec.problem(p, 0, pkg.Name, "header has no name or no version")
			continue
		}
		rec.add(Package{Ecosystem: RPM, Name: pkg.Name, Version: rpmVersion(pkg.Epoch, pkg.Version, pkg.Release), Arch: pkg.Arch, Locations: []string{p}})
	}
	return rec, nil
}

// rpmVersion writes an RPM version as [EPOCH:]VERSION-RELEASE, the epoch
// only when the header has one.
func rpmVersion(epoch *int, version, release string) string {
	v := version
	if release != "" {
		v += "-" + release
	}
	if epoch != nil {
		v = strconv.Itoa(*epoch) + ":" + v
	}
	return v
}
