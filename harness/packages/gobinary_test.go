package packages

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// chunky reads at most n bytes at a time, so that reads straddle every
// boundary the reader keeps.
type chunky struct {
	r io.Reader
	n int
}

func (c chunky) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// Streaming the build information out of real executables gives what the
// standard library reads from the whole file: the test binary, the go
// command, and the Debian-built Docker binaries (position-independent,
// externally linked, Go 1.19) where present.
func TestGoBuildInfoOfRealExecutables(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{self, filepath.Join(runtime.GOROOT(), "bin", "go")}
	for _, p := range []string{"/usr/sbin/dockerd", "/usr/bin/docker", "/usr/bin/runc"} {
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		want, err := buildinfo.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readGoBuildInfo(chunky{f, 4093})
		f.Close()
		if err != nil || got == nil {
			t.Errorf("%s: %v, %v", p, got, err)
			continue
		}
		if got.String() != want.String() {
			t.Errorf("%s: got\n%s\nwant\n%s", p, got, want)
		}
	}
}

func TestGoCatalogerListsModules(t *testing.T) {
	mod := "path\texample.com/app/cmd/app\n" +
		"mod\texample.com/app\tv1.4.0\th1:AAAA\n" +
		"dep\tgolang.org/x/net\tv0.21.0\th1:BBBB\n" +
		"dep\texample.com/forked\tv1.0.0\th1:CCCC\n" +
		"=>\texample.com/fork\tv1.0.1-fix\th1:DDDD\n" +
		"dep\texample.com/local\tv0.0.0\n" +
		"=>\t../local\t\t\n" +
		"build\tCGO_ENABLED=0\n"
	exe := synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, blob(8, true, "go1.22.1 X:nocoverageredesign", mod)})
	rec, err := goCataloger{}.read(context.Background(), "/usr/bin/app", bytes.NewReader(exe))
	if err != nil || rec == nil {
		t.Fatalf("%v %v", rec, err)
	}
	var got []string
	for _, p := range rec.packages {
		got = append(got, p.Name+" "+p.Version)
		if p.Ecosystem != Golang || len(p.Locations) != 1 || p.Locations[0] != "/usr/bin/app" {
			t.Errorf("package %+v", p)
		}
	}
	want := []string{
		"stdlib go1.22.1 X:nocoverageredesign",
		"example.com/app v1.4.0",
		"golang.org/x/net v0.21.0",
		"example.com/forked v1.0.1-fix", // the replacement's version
		"example.com/local ../local",    // a directory: its path
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// blob is a build info blob as the Go linker writes it.
func blob(ptrSize byte, inline bool, vers, mod string) []byte {
	var b bytes.Buffer
	b.WriteString("\xff Go buildinf:")
	b.WriteByte(ptrSize)
	flags := byte(0)
	if inline {
		flags = 2
	}
	b.WriteByte(flags)
	b.Write(make([]byte, 16))
	if inline {
		framed := strings.Repeat("\x30", 16) + mod + strings.Repeat("\xf9", 16)
		for _, s := range []string{vers, framed} {
			b.Write(binary.AppendUvarint(nil, uint64(len(s))))
			b.WriteString(s)
		}
	}
	return b.Bytes()
}

// segment is a program header of a synthetic executable and its content.
type segment struct {
	flags elf.ProgFlag
	data  []byte
}

// synthetic writes an ELF executable with the given PT_LOAD segments, each
// at a 4 KiB aligned offset and address.
func synthetic(class elf.Class, order binary.ByteOrder, segs ...segment) []byte {
	var hdrSize, phSize int
	if class == elf.ELFCLASS64 {
		hdrSize, phSize = 64, 56
	} else {
		hdrSize, phSize = 52, 32
	}
	off := uint64(4096)
	var progs bytes.Buffer
	var body []byte
	for _, s := range segs {
		addr := 0x400000 + off
		if class == elf.ELFCLASS64 {
			binary.Write(&progs, order, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(s.flags), Off: off, Vaddr: addr, Paddr: addr, Filesz: uint64(len(s.data)), Memsz: uint64(len(s.data)), Align: 4096})
		} else {
			binary.Write(&progs, order, elf.Prog32{Type: uint32(elf.PT_LOAD), Flags: uint32(s.flags), Off: uint32(off), Vaddr: uint32(addr), Paddr: uint32(addr), Filesz: uint32(len(s.data)), Memsz: uint32(len(s.data)), Align: 4096})
		}
		for uint64(len(body)) < off-4096 {
			body = append(body, 0)
		}
		body = append(body, s.data...)
		off += (uint64(len(s.data)) + 4095) &^ 4095
	}
	ident := [elf.EI_NIDENT]byte{0x7f, 'E', 'L', 'F', byte(class), 0, byte(elf.EV_CURRENT)}
	if order == binary.LittleEndian {
		ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	} else {
		ident[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	}
	var out bytes.Buffer
	if class == elf.ELFCLASS64 {
		binary.Write(&out, order, elf.Header64{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: 1, Phoff: uint64(hdrSize), Ehsize: uint16(hdrSize), Phentsize: uint16(phSize), Phnum: uint16(len(segs))})
	} else {
		binary.Write(&out, order, elf.Header32{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_386), Version: 1, Phoff: uint32(hdrSize), Ehsize: uint16(hdrSize), Phentsize: uint16(phSize), Phnum: uint16(len(segs))})
	}
	out.Write(progs.Bytes())
	out.Write(make([]byte, 4096-out.Len()))
	out.Write(body)
	return out.Bytes()
}

const syntheticMod = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\texample.com/dep\tv1.2.3\t\n"

func TestGoBuildInfoOfSyntheticExecutables(t *testing.T) {
	code := bytes.Repeat([]byte{0x90}, 5000)
	relro := bytes.Repeat([]byte{0x11}, 3000)
	rw := func(prefix int, b []byte) []byte { return append(make([]byte, prefix), b...) }
	info := blob(8, true, "go1.22.1", syntheticMod)
	for _, tc := range []struct {
		name string
		exe  []byte
		want string // "dep" of the info read, "" for not a Go executable
		err  string
	}{
		{"the blob at the start of the data segment", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_X, code}, segment{elf.PF_R | elf.PF_W, rw(0, info)}), "example.com/dep v1.2.3", ""},
		{"the blob in the second writable segment, after relocation read-only data", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_X, code}, segment{elf.PF_R | elf.PF_W, relro}, segment{elf.PF_R | elf.PF_W, rw(0, info)}), "example.com/dep v1.2.3", ""},
		{"the blob further into its segment", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, rw(70000, info)}), "example.com/dep v1.2.3", ""},
		{"32-bit", synthetic(elf.ELFCLASS32, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, rw(64, blob(4, true, "go1.21.0", syntheticMod))}), "example.com/dep v1.2.3", ""},
		{"big-endian", synthetic(elf.ELFCLASS64, binary.BigEndian, segment{elf.PF_R | elf.PF_W, rw(32, info)}), "example.com/dep v1.2.3", ""},
		{"the magic in read-only data only (a program that reads build info)", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R, rw(0, info)}, segment{elf.PF_R | elf.PF_W, relro}), "", ""},
		{"the magic misaligned", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, rw(8, info)}), "", ""},
		{"built before Go 1.18", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, rw(0, blob(8, false, "", ""))}), "", "before 1.18"},
		{"the blob cut off by the end of its segment", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, info[:len(info)-20]}), "", "runs past its segment"},
		{"not ELF", []byte("#!/bin/sh\nexec true\n"), "", ""},
		{"empty", nil, "", ""},
		{"truncated ELF header", synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, info})[:40], "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readGoBuildInfo(chunky{bytes.NewReader(tc.exe), 1000})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("read %v from a file that is not a Go executable", got)
			case tc.want != "" && (got == nil || len(got.Deps) != 1 || got.Deps[0].Path+" "+got.Deps[0].Version != tc.want):
				t.Errorf("got %v, want a dependency %s", got, tc.want)
			}
		})
	}
}

// A Go executable whose build information cannot be read is a problem of
// the file, not silence.
func TestGoCatalogerReportsOldExecutables(t *testing.T) {
	old := synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, blob(8, false, "", "")})
	rec, err := goCataloger{}.read(context.Background(), "/usr/local/bin/legacy", bytes.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil || len(rec.problems) != 1 || !rec.problems[0].whole || rec.problems[0].File != "/usr/local/bin/legacy" || !strings.Contains(rec.problems[0].Message, "before 1.18") {
		t.Fatalf("record %+v, want one problem about the whole file", rec)
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// An executable read from a file (a layer directory) is seeked over up to
// the segments that may hold its build information, and reads as the same
// executable streamed out of a tar, whole or cut short.
func TestGoBuildInfoSeeksAsItStreams(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{self, filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/sbin/dockerd", "/usr/bin/runc"} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int64{fi.Size(), fi.Size() / 2, 4096} {
			ctx := context.Background()
			streamed, err := goCataloger{}.read(ctx, p, chunky{io.NewSectionReader(f, 0, size), 4093})
			if err != nil {
				t.Fatal(err)
			}
			counted := &countingReaderAt{r: f}
			seeked, err := goCataloger{}.read(ctx, p, io.NewSectionReader(counted, 0, size))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(seeked, streamed) {
				t.Errorf("%s, first %d bytes: seeked %+v, streamed %+v", p, size, seeked, streamed)
			}
			if size == fi.Size() && (streamed == nil || len(streamed.packages) == 0) {
				t.Errorf("%s: no build information", p)
			}
			// A position-independent executable is searched through
			// its relocation read-only data first: a third of dockerd.
			if size == fi.Size() && counted.n > fi.Size()/2 {
				t.Errorf("%s: read %d of its %d bytes, seeking", p, counted.n, fi.Size())
			}
		}
	}
}
