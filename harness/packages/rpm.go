package packages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// rpmCataloger reads RPM's package database in any of the formats in use:
// BerkeleyDB (Packages: RHEL/CentOS 7 and 8, Amazon Linux 2), NDB
// (Packages.db: SUSE) and SQLite (rpmdb.sqlite: Fedora 33+, RHEL 9), at
// /var/lib/rpm or /usr/lib/sysimage/rpm. All three are read in pure Go
// (rpmdb.go), SQLite with modernc.org/sqlite, a translation of SQLite to Go
// (no cgo).
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

func (rpmCataloger) ecosystem() Ecosystem { return RPM }

func (rpmCataloger) maxSize(string) int64 { return maxRPMDatabaseSize }

// read copies the database to a temporary file, the one file of an image
// postflight writes to disk: the reader opens databases by path (SQLite
// needs a file). At most maxRPMDatabaseSize bytes are copied, and runs of
// zeros are left as holes, so that a sparse database takes no disk.
func (rpmCataloger) read(ctx context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: RPM}
	f, err := os.CreateTemp("", "postflight-rpmdb-*")
	if err != nil {
		return nil, fmt.Errorf("copy rpm database %s: %w", p, err)
	}
	defer os.Remove(f.Name())
	sr := &streamReader{r: r}
	n, err := copySparse(f, io.LimitReader(sr, maxRPMDatabaseSize+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		return nil, fmt.Errorf("copy rpm database %s: %w", p, err)
	}
	if n > maxRPMDatabaseSize {
		rec.unreadable(p, "the database is larger than the %d bytes postflight reads of it", maxRPMDatabaseSize)
		return rec, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err = readRPMDatabase(ctx, f.Name(), n, func(blob []byte) {
		if rec.problemsFull() || rec.overflow {
			return
		}
		h, err := parseRPMHeader(blob)
		switch {
		case err != nil:
			rec.problem(p, 0, h.name, "malformed package header: %v", err)
		case h.name == "" || h.version == "":
			rec.problem(p, 0, h.name, "header has no name or no version")
		default:
			rec.add(Package{Ecosystem: RPM, Name: h.name, Version: rpmVersion(h.epoch, h.version, h.release), Arch: h.arch, Locations: []string{p}})
		}
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		rec.unreadable(p, "read rpm database: %v", err)
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

// copySparse copies r to f, seeking over blocks of zeros instead of writing
// them, and returns the bytes copied.
func copySparse(f *os.File, r io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		k, err := io.ReadFull(r, buf)
		for off := 0; off < k; off += sparseBlock {
			b := buf[off:min(off+sparseBlock, k)]
			if allZero(b) {
				if _, err := f.Seek(int64(len(b)), io.SeekCurrent); err != nil {
					return n, err
				}
			} else if _, err := f.Write(b); err != nil {
				return n, err
			}
			n += int64(len(b))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// Holes at the end count toward the file's size.
			return n, f.Truncate(n)
		}
		if err != nil {
			return n, err
		}
	}
}

const sparseBlock = 4 << 10

var zeroBlock = make([]byte, sparseBlock)

func allZero(b []byte) bool { return bytes.Equal(b, zeroBlock[:len(b)]) }
