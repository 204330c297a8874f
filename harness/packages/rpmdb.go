package packages

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	// The SQLite driver ("sqlite"): pure Go, the one postflight uses
	// elsewhere.
	_ "modernc.org/sqlite"
)

// An RPM database is read here rather than by a library: its content is
// untrusted, and every count and offset in it is checked against the file
// before it is used, so that a hostile database is a problem, never a huge
// allocation, a loop or a crash. The formats are rpm's: BerkeleyDB hash
// (db_page.h in libdb), NDB (lib/backend/ndb/rpmpkg.c) and SQLite, all
// holding one header blob per package (lib/header.c).

const (
	rpmHeaderMaxTags = 0xffff    // hdrMaxTags in rpm's header.c
	rpmHeaderMaxData = 256 << 20 // hdrMaxData
	rpmMaxString     = 4096      // a name, version, release or arch

	rpmTagName    = 1000
	rpmTagVersion = 1001
	rpmTagRelease = 1002
	rpmTagEpoch   = 1003
	rpmTagArch    = 1022

	rpmTypeInt32  = 4
	rpmTypeString = 6
)

var (
	sqliteMagic = []byte("SQLite format 3\x00")
	ndbMagic    = []byte("RpmP")
)

// rpmHeader is what postflight keeps of a package header.
type rpmHeader struct {
	name, version, release, arch string
	epoch                        *int
}

// readRPMDatabase calls fn with each package header blob of the database
// at path, of the given size. An error is a database that cannot be read.
func readRPMDatabase(ctx context.Context, path string, size int64, fn func(blob []byte)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, sqliteMagic):
		return readRPMSQLite(ctx, path, fn)
	case bytes.HasPrefix(head, ndbMagic):
		return readRPMNDB(ctx, f, size, fn)
	default:
		return readRPMBerkeleyDB(ctx, f, size, fn)
	}
}

func readRPMSQLite(ctx context.Context, path string, fn func([]byte)) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT blob FROM Packages")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			return err
		}
		fn(blob)
	}
	return rows.Err()
}

// readRPMNDB reads rpm's "new database": a header, slot pages whose slots
// point to blocks, and in each block a blob header and the blob.
func readRPMNDB(ctx context.Context, f io.ReaderAt, size int64, fn func([]byte)) error {
	le := binary.LittleEndian
	hdr := make([]byte, 32)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return fmt.Errorf("read the NDB header: %w", err)
	}
	version, slotPages := le.Uint32(hdr[4:]), le.Uint32(hdr[12:])
	if version != 0 || slotPages == 0 || slotPages > 2048 || int64(slotPages)*4096 > size {
		return fmt.Errorf("NDB header: version %d, %d slot pages in a file of %d bytes", version, slotPages, size)
	}
	slots := make([]byte, int64(slotPages)*4096-32)
	if _, err := f.ReadAt(slots, 32); err != nil {
		return fmt.Errorf("read the NDB slots: %w", err)
	}
	read := int64(0) // blob bytes read: blobs do not overlap, so at most the file
	for s := 0; s+16 <= len(slots); s += 16 {
		if err := ctx.Err(); err != nil {
			return err
		}
		slot := slots[s : s+16]
		if string(slot[:4]) != "Slot" {
			return fmt.Errorf("NDB slot %d has a bad magic number", s/16)
		}
		pkg, blk := le.Uint32(slot[4:]), int64(le.Uint32(slot[8:]))
		if pkg == 0 {
			continue
		}
		bh := make([]byte, 16)
		if _, err := f.ReadAt(bh, blk*16); err != nil {
			return fmt.Errorf("NDB package %d: read its blob header: %w", pkg, err)
		}
		if string(bh[:4]) != "BlbS" || le.Uint32(bh[4:]) != pkg {
			return fmt.Errorf("NDB package %d: its blob header is not one", pkg)
		}
		n := int64(le.Uint32(bh[12:]))
		if read += n; n > rpmHeaderMaxData || blk*16+16+n > size || read > size {
			return fmt.Errorf("NDB package %d: a blob of %d bytes does not fit the file", pkg, n)
		}
		blob := make([]byte, n)
		if _, err := f.ReadAt(blob, blk*16+16); err != nil {
			return fmt.Errorf("NDB package %d: read its blob: %w", pkg, err)
		}
		fn(blob)
	}
	return nil
}

// BerkeleyDB hash database layout (db_page.h).
const (
	bdbHashMagic      = 0x00061561
	bdbPageHeader     = 26
	bdbHashUnsorted   = 2
	bdbOverflow       = 7
	bdbHashMeta       = 8
	bdbHash           = 13
	bdbOffPage        = 3 // H_OFFPAGE: the value is on overflow pages
	bdbOffPageEntrySz = 12
)

// readRPMBerkeleyDB reads the values of a BerkeleyDB hash database: each
// is on a chain of overflow pages, pointed to from a hash page.
func readRPMBerkeleyDB(ctx context.Context, f io.ReaderAt, size int64, fn func([]byte)) error {
	meta := make([]byte, 72)
	if _, err := f.ReadAt(meta, 0); err != nil {
		return fmt.Errorf("not an RPM database: %d bytes", size)
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(meta[12:]) == bdbHashMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(meta[12:]) == bdbHashMagic:
		order = binary.BigEndian
	default:
		return errors.New("not an RPM database: neither SQLite, NDB nor a BerkeleyDB hash database")
	}
	pageSize := int64(order.Uint32(meta[20:]))
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("BerkeleyDB page size %d", pageSize)
	}
	if meta[24] != 0 {
		return errors.New("the BerkeleyDB database is encrypted")
	}
	if meta[25] != bdbHashMeta {
		return fmt.Errorf("BerkeleyDB page type %d is not a hash database's", meta[25])
	}
	last := int64(order.Uint32(meta[32:]))
	if (last+1)*pageSize > size {
		return fmt.Errorf("BerkeleyDB last page %d is past the end of the file (%d bytes)", last, size)
	}
	page := make([]byte, pageSize)
	over := make([]byte, pageSize)
	visits := last + 1 // overflow pages followed: each is on one chain only
	for no := int64(0); no <= last; no++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := f.ReadAt(page, no*pageSize); err != nil {
			return fmt.Errorf("BerkeleyDB page %d: %w", no, err)
		}
		if t := page[25]; t != bdbHash && t != bdbHashUnsorted {
			continue
		}
		entries := int64(order.Uint16(page[20:]))
		if entries%2 != 0 || bdbPageHeader+2*entries > pageSize {
			return fmt.Errorf("BerkeleyDB page %d: %d entries", no, entries)
		}
		// Entries are key/value pairs; the values are the headers.
		for i := int64(1); i < entries; i += 2 {
			at := int64(order.Uint16(page[bdbPageHeader+2*i:]))
			if at >= pageSize || page[at] != bdbOffPage {
				continue // past the page, or a value on the page: not a header
			}
			if at+bdbOffPageEntrySz > pageSize {
				return fmt.Errorf("BerkeleyDB page %d: entry %d is past the page", no, i)
			}
			var blob []byte
			for next := int64(order.Uint32(page[at+4:])); next != 0; {
				if visits--; visits < 0 || next > last {
					return fmt.Errorf("BerkeleyDB page %d: an overflow chain loops or leaves the file", no)
				}
				if _, err := f.ReadAt(over, next*pageSize); err != nil {
					return fmt.Errorf("BerkeleyDB page %d: %w", next, err)
				}
				if over[25] != bdbOverflow {
					return fmt.Errorf("BerkeleyDB page %d: an overflow chain reaches a page of type %d", next, over[25])
				}
				data := over[bdbPageHeader:]
				if next = int64(order.Uint32(over[16:])); next == 0 {
					n := int64(order.Uint16(over[22:]))
					if bdbPageHeader+n > pageSize {
						return fmt.Errorf("BerkeleyDB overflow page holds %d bytes", n)
					}
					data = data[:n]
				}
				blob = append(blob, data...)
			}
			fn(blob)
		}
	}
	return nil
}

// parseRPMHeader reads the name, version, release, epoch and architecture
// of a package header blob: an index of (tag, type, offset, count) entries
// and the data they point into.
func parseRPMHeader(blob []byte) (rpmHeader, error) {
	var h rpmHeader
	if len(blob) < 8 {
		return h, fmt.Errorf("header of %d bytes", len(blob))
	}
	be := binary.BigEndian
	il, dl := int64(be.Uint32(blob)), int64(be.Uint32(blob[4:]))
	if il < 1 || il > rpmHeaderMaxTags || dl > rpmHeaderMaxData || 8+16*il+dl > int64(len(blob)) {
		return h, fmt.Errorf("header of %d bytes claims %d tags and %d bytes of data", len(blob), il, dl)
	}
	data := blob[8+16*il : 8+16*il+dl]
	str := func(tag, typ, off int64) (string, error) {
		if typ != rpmTypeString || off < 0 || off >= dl {
			return "", fmt.Errorf("tag %d: type %d at offset %d is not a string in the header", tag, typ, off)
		}
		end := bytes.IndexByte(data[off:min(dl, off+rpmMaxString)], 0)
		if end < 0 {
			return "", fmt.Errorf("tag %d: a string longer than %d bytes or not terminated", tag, rpmMaxString)
		}
		return string(data[off : off+int64(end)]), nil
	}
	var err error
	for i := range il {
		e := blob[8+16*i:]
		tag, typ, off := int64(be.Uint32(e)), int64(be.Uint32(e[4:])), int64(int32(be.Uint32(e[8:])))
		switch tag {
		case rpmTagName:
			h.name, err = str(tag, typ, off)
		case rpmTagVersion:
			h.version, err = str(tag, typ, off)
		case rpmTagRelease:
			h.release, err = str(tag, typ, off)
		case rpmTagArch:
			h.arch, err = str(tag, typ, off)
		case rpmTagEpoch:
			if typ != rpmTypeInt32 || off < 0 || off+4 > dl {
				return h, fmt.Errorf("tag %d: type %d at offset %d is not a number in the header", tag, typ, off)
			}
			epoch := int(int32(be.Uint32(data[off:])))
			h.epoch = &epoch
		}
		if err != nil {
			return h, err
		}
	}
	return h, nil
}
