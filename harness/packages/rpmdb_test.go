package packages

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

// rpmHeaderBlob is a package header with the given string tags (and an
// epoch when epoch >= 0).
func rpmHeaderBlob(name, version, release, arch string, epoch int) []byte {
	var index, data bytes.Buffer
	be := binary.BigEndian
	add := func(tag, typ uint32, value []byte) {
		for _, v := range []uint32{tag, typ, uint32(data.Len()), 1} {
			binary.Write(&index, be, v)
		}
		data.Write(value)
	}
	for _, s := range []struct {
		tag   uint32
		value string
	}{{rpmTagName, name}, {rpmTagVersion, version}, {rpmTagRelease, release}, {rpmTagArch, arch}} {
		add(s.tag, rpmTypeString, append([]byte(s.value), 0))
	}
	if epoch >= 0 {
		for data.Len()%4 != 0 {
			data.WriteByte(0)
		}
		add(rpmTagEpoch, rpmTypeInt32, be.AppendUint32(nil, uint32(epoch)))
	}
	var b bytes.Buffer
	binary.Write(&b, be, uint32(index.Len()/16))
	binary.Write(&b, be, uint32(data.Len()))
	b.Write(index.Bytes())
	b.Write(data.Bytes())
	return b.Bytes()
}

// ndbOf is an NDB database (rpm's Packages.db) holding the blobs.
func ndbOf(blobs ...[]byte) []byte {
	le := binary.LittleEndian
	db := make([]byte, 4096)
	copy(db, "RpmP")
	le.PutUint32(db[12:], 1) // one slot page
	for s := 32; s+16 <= 4096; s += 16 {
		copy(db[s:], "Slot")
	}
	for i, b := range blobs {
		slot := db[32+16*i:]
		le.PutUint32(slot[4:], uint32(i+1))
		le.PutUint32(slot[8:], uint32(len(db)/16))
		head := make([]byte, 16)
		copy(head, "BlbS")
		le.PutUint32(head[4:], uint32(i+1))
		le.PutUint32(head[12:], uint32(len(b)))
		db = append(append(db, head...), b...)
		for len(db)%16 != 0 {
			db = append(db, 0)
		}
	}
	return db
}

// bdbOf is a BerkeleyDB hash database (rpm's Packages) of 512-byte pages
// holding the blobs, each on its own chain of overflow pages.
func bdbOf(blobs ...[]byte) []byte {
	const size = 512
	le := binary.LittleEndian
	pages := [][]byte{make([]byte, size), make([]byte, size)}
	meta, hash := pages[0], pages[1]
	le.PutUint32(meta[12:], bdbHashMagic)
	le.PutUint32(meta[20:], size)
	meta[25] = bdbHashMeta
	hash[25] = bdbHash
	le.PutUint16(hash[20:], uint16(2*len(blobs)))
	for i, b := range blobs {
		at := size - bdbOffPageEntrySz*(i+1)
		le.PutUint16(hash[bdbPageHeader+4*i:], uint16(at)) // the key: anything but an off-page entry
		le.PutUint16(hash[bdbPageHeader+4*i+2:], uint16(at))
		hash[at] = bdbOffPage
		le.PutUint32(hash[at+4:], uint32(len(pages)))
		le.PutUint32(hash[at+8:], uint32(len(b)))
		for len(b) > 0 {
			p := make([]byte, size)
			p[25] = bdbOverflow
			n := copy(p[bdbPageHeader:], b)
			if b = b[n:]; len(b) > 0 {
				le.PutUint32(p[16:], uint32(len(pages)+1))
			} else {
				le.PutUint16(p[22:], uint16(n))
			}
			pages = append(pages, p)
		}
	}
	le.PutUint32(meta[32:], uint32(len(pages)-1))
	return bytes.Join(pages, nil)
}

func readRPM(t *testing.T, db []byte) *record {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	rec, err := rpmCataloger{}.read(context.Background(), "/var/lib/rpm/Packages", bytes.NewReader(db))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestRPMSyntheticDatabases(t *testing.T) {
	bash := rpmHeaderBlob("bash", "5.1", "2.el9", "x86_64", -1)
	ssl := rpmHeaderBlob("openssl", "3.0.7", "1.el9", "x86_64", 1)
	want := []string{"bash 5.1-2.el9 x86_64", "openssl 1:3.0.7-1.el9 x86_64"}
	for name, db := range map[string][]byte{"NDB": ndbOf(bash, ssl), "BerkeleyDB": bdbOf(bash, bytes.Repeat(ssl, 40))} {
		t.Run(name, func(t *testing.T) {
			rec := readRPM(t, db)
			if got := versions(rec); strings.Join(got, "|") != strings.Join(want, "|") || len(rec.problems) > 0 {
				t.Errorf("packages %v, problems %v; want %v", got, problems(rec), want)
			}
		})
	}
}

func TestHostileRPMDatabasesAreProblems(t *testing.T) {
	huge := make([]byte, 8)
	binary.BigEndian.PutUint32(huge, 0x7fffffff) // 32 GB of index entries
	loop := bdbOf(rpmHeaderBlob("a", "1", "1", "noarch", -1))
	binary.LittleEndian.PutUint32(loop[2*512+16:], 2) // the overflow page is its own next
	notOverflow := bdbOf(rpmHeaderBlob("a", "1", "1", "noarch", -1))
	notOverflow[2*512+25] = bdbHash
	unterminated := rpmHeaderBlob("a", "1", "1", "x", -1)
	unterminated[len(unterminated)-1] = 'x'
	bigBlob := ndbOf([]byte("x"))
	binary.LittleEndian.PutUint32(bigBlob[4096+12:], 0xffffffff)
	for _, tc := range []struct {
		name, want string
		db         []byte
	}{
		{"a header claiming 2^31 tags", "claims 2147483647 tags", ndbOf(huge)},
		{"a header whose string runs off its data", "not terminated", ndbOf(unterminated)},
		{"an NDB blob longer than the file", "does not fit the file", bigBlob},
		{"an overflow chain that loops", "loops", loop},
		{"an overflow chain reaching a hash page", "reaches a page of type 13", notOverflow},
		{"random bytes", "not an RPM database", []byte(strings.Repeat("hostile", 100))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec *record
			got := allocated(func() { rec = readRPM(t, tc.db) })
			if got > 32<<20 {
				t.Errorf("reading it allocated %d MB", got>>20)
			}
			if ps := problems(rec); len(ps) != 1 || !strings.Contains(ps[0], tc.want) {
				t.Errorf("problems %v, want one saying %q", ps, tc.want)
			}
		})
	}
}
