package packages

import (
	"bytes"
	"cmp"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
)

// goCataloger reads the build information of Go executables: the main
// module, every module compiled in, and the Go toolchain (as the package
// "stdlib"). Any file with an execute bit is a candidate; only ELF files
// carrying Go build information record packages.
type goCataloger struct{}

// goStdlib is the package name under which the Go toolchain an executable
// was built with is listed.
const goStdlib = "stdlib"

func (goCataloger) wants(_ string, mode int64) bool { return mode&0o111 != 0 }

func (goCataloger) ecosystem() Ecosystem { return Golang }

// maxSize is no limit: executables are streamed, and readGoBuildInfo stops
// at maxExecutableScan.
func (goCataloger) maxSize(string) int64 { return 0 }

func (goCataloger) read(_ context.Context, p string, r io.Reader) (*record, error) {
	sr := &streamReader{r: r}
	info, err := readGoBuildInfo(sr)
	if sr.err != nil {
		return nil, sr.err
	}
	rec := &record{ecosystem: Golang}
	if err != nil {
		rec.unreadable(p, "read Go build information: %v", err)
		return rec, nil
	}
	if info == nil {
		return nil, nil
	}
	add := func(name, version string) {
		rec.add(Package{Ecosystem: Golang, Name: name, Version: version, Locations: []string{p}})
	}
	add(goStdlib, info.GoVersion)
	if info.Main.Path != "" {
		add(info.Main.Path, info.Main.Version)
	}
	for _, d := range info.Deps {
		version := d.Version
		if d.Replace != nil {
			// A replacement by a local directory has no version: its
			// path is what the binary records instead.
			version = d.Replace.Version
			if version == "" {
				version = d.Replace.Path
			}
		}
		add(d.Path, version)
	}
	return rec, nil
}

// Limits of what is kept of an executable while it streams by.
const (
	elfHeadersMax  = 1 << 20 // the ELF header and program headers must lie within this
	goBuildInfoMax = 4 << 20 // the build info blob: header, Go version and module list
	searchChunk    = 64 << 10
)

var (
	goBuildInfoMagic = []byte("\xff Go buildinf:")
	errGoBefore118   = errors.New("the executable was built with Go before 1.18, whose build information is not read")
)

// readGoBuildInfo reads the build information of an ELF Go executable from
// its content as it streams by, keeping only the ELF and program headers and
// the build info blob: executables are not held in memory whole.
//
// The Go linker puts the blob, 16-byte aligned and starting with a magic
// string, near the start of a writable data segment (the second one in
// position-independent executables, after the relocation read-only data).
// Once found it is handed to debug/buildinfo inside a minimal ELF file that
// holds only that blob, so that the standard library decodes it. It returns
// nil, nil for a file that is not an ELF Go executable.
func readGoBuildInfo(r io.Reader) (*debug.BuildInfo, error) {
	s := &offsetReader{r: r, limit: maxExecutableScan}
	head := make([]byte, 64)
	if _, err := io.ReadFull(s, head[:52]); err != nil {
		return nil, nil // shorter than an ELF header
	}
	if !bytes.HasPrefix(head, []byte(elf.ELFMAG)) {
		return nil, nil
	}
	var order binary.ByteOrder
	switch elf.Data(head[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		order = binary.BigEndian
	default:
		return nil, nil
	}
	class := elf.Class(head[elf.EI_CLASS])
	var phoff, phentsize, phnum uint64
	switch class {
	case elf.ELFCLASS64:
		if _, err := io.ReadFull(s, head[52:64]); err != nil {
			return nil, nil
		}
		var h elf.Header64
		binary.Read(bytes.NewReader(head), order, &h)
		phoff, phentsize, phnum = h.Phoff, uint64(h.Phentsize), uint64(h.Phnum)
	case elf.ELFCLASS32:
		head = head[:52]
		var h elf.Header32
		binary.Read(bytes.NewReader(head), order, &h)
		phoff, phentsize, phnum = uint64(h.Phoff), uint64(h.Phentsize), uint64(h.Phnum)
	default:
		return nil, nil
	}
	phEnd := phoff + phentsize*phnum
	if phnum == 0 || phoff < uint64(len(head)) || phEnd > elfHeadersMax {
		return nil, nil
	}
	headers := make([]byte, phEnd)
	copy(headers, head)
	if _, err := io.ReadFull(s, headers[len(head):]); err != nil {
		return nil, nil
	}
	var segs []elf.ProgHeader
	for i := range phnum {
		raw := bytes.NewReader(headers[phoff+i*phentsize:])
		var ph elf.ProgHeader
		if class == elf.ELFCLASS64 {
			var p elf.Prog64
			binary.Read(raw, order, &p)
			ph = elf.ProgHeader{Type: elf.ProgType(p.Type), Flags: elf.ProgFlag(p.Flags), Off: p.Off, Vaddr: p.Vaddr, Filesz: p.Filesz, Memsz: p.Memsz}
		} else {
			var p elf.Prog32
			binary.Read(raw, order, &p)
			ph = elf.ProgHeader{Type: elf.ProgType(p.Type), Flags: elf.ProgFlag(p.Flags), Off: uint64(p.Off), Vaddr: uint64(p.Vaddr), Filesz: uint64(p.Filesz), Memsz: uint64(p.Memsz)}
		}
		if ph.Type == elf.PT_LOAD && ph.Flags&(elf.PF_X|elf.PF_W) == elf.PF_W && ph.Filesz > 0 {
			segs = append(segs, ph)
		}
	}
	slices.SortFunc(segs, func(a, b elf.ProgHeader) int { return cmp.Compare(a.Off, b.Off) })
	for _, seg := range segs {
		if seg.Off < s.off {
			continue // overlaps one already searched
		}
		addr, blob, err := searchBuildInfo(s, seg)
		if err != nil {
			return nil, err
		}
		if blob == nil {
			continue
		}
		if blob[15]&2 == 0 { // flagsVersionInl: the strings follow the header
			return nil, errGoBefore118
		}
		info, err := buildinfo.Read(bytes.NewReader(minimalELF(headers[:len(head)], class, order, addr, blob)))
		if err != nil {
			return nil, err
		}
		return info, nil
	}
	return nil, nil
}

// searchBuildInfo looks for the build info blob in one segment and returns
// its address and bytes, or a nil blob when the segment has none.
func searchBuildInfo(s *offsetReader, seg elf.ProgHeader) (uint64, []byte, error) {
	if err := s.skipTo(seg.Off); err != nil {
		return 0, nil, s.limitErr(err)
	}
	end := seg.Off + seg.Filesz
	// Read in chunks that start at 16-byte aligned addresses: an aligned
	// magic then never straddles two chunks.
	first := (seg.Vaddr + 15) &^ 15
	if err := s.skipTo(seg.Off + first - seg.Vaddr); err != nil {
		return 0, nil, s.limitErr(err)
	}
	buf := make([]byte, searchChunk)
	for s.off < end {
		start := s.off
		n := min(uint64(len(buf)), end-start)
		got, err := io.ReadFull(s, buf[:n])
		chunk := buf[:got]
		for i := 0; ; {
			j := bytes.Index(chunk[i:], goBuildInfoMagic)
			if j < 0 {
				break
			}
			i += j
			if i%16 != 0 {
				i = (i + 15) &^ 15
				continue
			}
			blob, err := readBlob(s, slices.Clone(chunk[i:]), end-start-uint64(i))
			if err != nil {
				return 0, nil, err
			}
			return seg.Vaddr + (start + uint64(i) - seg.Off), blob, nil
		}
		if err != nil {
			return 0, nil, s.limitErr(err) // the file ends inside the segment
		}
	}
	return 0, nil, nil
}

// readBlob completes the blob that starts with have: a 32-byte header, then
// two strings (the Go version, the module list), each preceded by its
// length as a varint. room is how much of the segment is left from its
// start.
func readBlob(s *offsetReader, have []byte, room uint64) ([]byte, error) {
	need := func(n uint64) error {
		if n > room || n > goBuildInfoMax {
			return fmt.Errorf("the build information runs past its segment or past %d bytes", goBuildInfoMax)
		}
		if uint64(len(have)) >= n {
			return nil
		}
		more := make([]byte, n-uint64(len(have)))
		if _, err := io.ReadFull(s, more); err != nil {
			if err := s.limitErr(err); err != nil {
				return err
			}
			return fmt.Errorf("the executable ends inside its build information")
		}
		have = append(have, more...)
		return nil
	}
	const header = 32
	if err := need(header); err != nil {
		return nil, err
	}
	if have[15]&2 == 0 {
		return have[:header], nil
	}
	at := uint64(header)
	for range 2 {
		if err := need(min(at+binary.MaxVarintLen64, room)); err != nil {
			return nil, err
		}
		length, k := binary.Uvarint(have[at:])
		if k <= 0 {
			return nil, fmt.Errorf("malformed string length in the build information")
		}
		at += uint64(k) + length
		if err := need(at); err != nil {
			return nil, err
		}
	}
	return have[:at], nil
}

// minimalELF builds an ELF file with the original file's header, one
// writable segment at the blob's original address, and the blob.
func minimalELF(header []byte, class elf.Class, order binary.ByteOrder, addr uint64, blob []byte) []byte {
	var b bytes.Buffer
	if class == elf.ELFCLASS64 {
		var h elf.Header64
		binary.Read(bytes.NewReader(header), order, &h)
		const dataOff = 128 // 64 (header) + 56 (one program header), aligned
		h.Phoff, h.Phentsize, h.Phnum = 64, 56, 1
		h.Shoff, h.Shentsize, h.Shnum, h.Shstrndx = 0, 0, 0, 0
		binary.Write(&b, order, h)
		binary.Write(&b, order, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_W), Off: dataOff, Vaddr: addr, Paddr: addr, Filesz: uint64(len(blob)), Memsz: uint64(len(blob)), Align: 16})
		b.Write(make([]byte, dataOff-b.Len()))
	} else {
		var h elf.Header32
		binary.Read(bytes.NewReader(header), order, &h)
		const dataOff = 96 // 52 (header) + 32 (one program header), aligned
		h.Phoff, h.Phentsize, h.Phnum = 52, 32, 1
		h.Shoff, h.Shentsize, h.Shnum, h.Shstrndx = 0, 0, 0, 0
		binary.Write(&b, order, h)
		binary.Write(&b, order, elf.Prog32{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_W), Off: dataOff, Vaddr: uint32(addr), Paddr: uint32(addr), Filesz: uint32(len(blob)), Memsz: uint32(len(blob)), Align: 16})
		b.Write(make([]byte, dataOff-b.Len()))
	}
	b.Write(blob)
	return b.Bytes()
}

// offsetReader counts the bytes read from a stream, and reads no more than
// limit of them.
type offsetReader struct {
	r     io.Reader
	off   uint64
	limit uint64
}

var errScanLimit = fmt.Errorf("its build information is not within the first %d bytes postflight reads of an executable", maxExecutableScan)

func (o *offsetReader) Read(p []byte) (int, error) {
	if o.limit > 0 {
		if o.off >= o.limit {
			return 0, errScanLimit
		}
		p = p[:min(uint64(len(p)), o.limit-o.off)]
	}
	n, err := o.r.Read(p)
	o.off += uint64(n)
	return n, err
}

// limitErr is err when it is the scan limit's, nil otherwise: a stream
// that merely ends is a file that is not a Go executable.
func (o *offsetReader) limitErr(err error) error {
	if errors.Is(err, errScanLimit) {
		return err
	}
	return nil
}

// skipTo discards the stream up to offset off, no further than the limit;
// a stream that can skip without reading (a file) skips.
func (o *offsetReader) skipTo(off uint64) error {
	if off < o.off {
		return fmt.Errorf("cannot go back from offset %d to %d", o.off, off)
	}
	sk, ok := o.r.(interface{ skip(int64) (int64, error) })
	if !ok {
		_, err := io.CopyN(io.Discard, o, int64(off-o.off))
		return err
	}
	to := off
	if o.limit > 0 {
		to = min(off, o.limit)
	}
	n, err := sk.skip(int64(to - o.off))
	o.off += uint64(n)
	switch {
	case err != nil:
		return err
	case to < off:
		return errScanLimit
	}
	return nil
}
