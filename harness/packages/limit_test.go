package packages

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// bigEntry is a tar stream holding one regular file of size bytes, its
// content made by body: a file larger than memory can be streamed without
// being built.
func bigEntry(t testing.TB, name string, size int64, body io.Reader) io.Reader {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatPAX}); err != nil {
		t.Fatal(err)
	}
	pad := (512 - size%512) % 512
	return io.MultiReader(&hdr, io.LimitReader(body, size), bytes.NewReader(make([]byte, pad+1024)))
}

// repeat is an endless stream of one byte.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// allocated is how many bytes run allocates on the heap, all told
// (TotalAlloc only grows: no collection is needed to read it).
func allocated(run func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func scanOne(t *testing.T, r io.Reader) *layerIndex {
	t.Helper()
	li, err := scanLayer(context.Background(), r, newBudget())
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// wholeProblem is the message of the problem that makes the file at p
// unreadable, or "".
func wholeProblem(li *layerIndex, p string) string {
	rec := li.files[p]
	if rec == nil {
		return ""
	}
	for _, pr := range rec.problems {
		if pr.whole {
			return pr.Message
		}
	}
	return ""
}

func TestHostileDatabasesAreBoundedAndReported(t *testing.T) {
	manyFields := &strings.Builder{}
	manyFields.WriteString("Package: a\nStatus: install ok installed\nVersion: 1\n")
	for i := 0; manyFields.Len() < 8<<20; i++ {
		fmt.Fprintf(manyFields, "F%d: x\n", i)
	}
	manyPackages := &strings.Builder{}
	for i := 0; i <= maxPackagesPerFile; i++ {
		fmt.Fprintf(manyPackages, "Package: p%d\nStatus: install ok installed\nVersion: 1\n\n", i)
	}
	for _, tc := range []struct {
		name, path, content string
		message             string // of the problem that makes the file unreadable
		maxAlloc            uint64
	}{
		{"dpkg status of millions of malformed entries", dpkgStatus, strings.Repeat("x\n\n", 8<<20/3), "more than 100 malformed entries", 64 << 20},
		{"dpkg status of entries without a package", dpkgStatus, strings.Repeat("a:b\n\n", 8<<20/5), "more than 100 malformed entries", 64 << 20},
		{"apk database of malformed entries", "/lib/apk/db/installed", strings.Repeat("xx\n\n", 8<<20/4), "more than 100 malformed entries", 64 << 20},
		{"dpkg status of more packages than read", dpkgStatus, manyPackages.String(), fmt.Sprintf("more than %d packages", maxPackagesPerFile), 256 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer := tarOf(t, file(tc.path, tc.content))
			var li *layerIndex
			got := allocated(func() { li = scanOne(t, bytes.NewReader(layer)) })
			if got > tc.maxAlloc {
				t.Errorf("reading it allocated %d MB, more than %d MB", got>>20, tc.maxAlloc>>20)
			}
			if msg := wholeProblem(li, tc.path); !strings.Contains(msg, tc.message) {
				ps := problems(li.files[tc.path])
				t.Errorf("the file is not reported unreadable for %q; %d problems, the first: %.300s", tc.message, len(ps), strings.Join(ps, "; "))
			}
			if n := len(li.files[tc.path].problems); n > maxProblemsPerFile+1 {
				t.Errorf("%d problems listed, more than %d", n, maxProblemsPerFile+1)
			}
		})
	}
	t.Run("a stanza of a million fields", func(t *testing.T) {
		layer := tarOf(t, file(dpkgStatus, manyFields.String()))
		var li *layerIndex
		got := allocated(func() { li = scanOne(t, bytes.NewReader(layer)) })
		if got > 64<<20 {
			t.Errorf("reading it allocated %d MB, more than 64 MB", got>>20)
		}
		if ps := problems(li.files[dpkgStatus]); len(ps) != 1 || !strings.Contains(ps[0], fmt.Sprintf("more than %d fields", maxFields)) {
			t.Errorf("problems %v, want one about more than %d fields", ps, maxFields)
		}
	})
}

func TestFilesLargerThanTheirLimitAreReportedUnread(t *testing.T) {
	for _, tc := range []struct {
		path  string
		limit int64
	}{
		{dpkgStatus, maxDatabaseSize},
		{"/var/lib/dpkg/status.d/base", maxMetadataSize},
		{"/lib/apk/db/installed", maxDatabaseSize},
		{"/usr/lib/python3/dist-packages/a-1.dist-info/METADATA", maxMetadataSize},
		{"/app/node_modules/a/package.json", maxMetadataSize},
		{"/var/lib/rpm/rpmdb.sqlite", maxRPMDatabaseSize},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			li := scanOne(t, bigEntry(t, tc.path, tc.limit+1, repeat('\n')))
			want := fmt.Sprintf("larger than the %d bytes", tc.limit)
			if msg := wholeProblem(li, tc.path); !strings.Contains(msg, want) {
				t.Errorf("problem %q, want one saying %q", msg, want)
			}
		})
	}
}

// diskUsage is the bytes the files under dir take on disk.
func diskUsage(t *testing.T, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil {
			n += fi.Sys().(*syscall.Stat_t).Blocks * 512
		}
		return nil
	})
	return n
}

// probe calls fn once the stream under it is read to the end.
type probe struct {
	r  io.Reader
	fn func()
}

func (p *probe) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err == io.EOF && p.fn != nil {
		p.fn()
		p.fn = nil
	}
	return n, err
}

func TestRPMDatabaseCopyIsBounded(t *testing.T) {
	const db = "/var/lib/rpm/Packages"
	t.Run("a sparse database takes no disk", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		size := int64(maxRPMDatabaseSize - 4096)
		used := int64(-1)
		content := &probe{r: io.MultiReader(strings.NewReader("not a database"), io.LimitReader(repeat(0), size)), fn: func() { used = diskUsage(t, tmp) }}
		rec, err := rpmCataloger{}.read(context.Background(), db, content)
		if err != nil {
			t.Fatal(err)
		}
		if used < 0 || used > 1<<20 {
			t.Errorf("the %d MB copy of a database of zeros took %d bytes of disk, want at most 1 MB", size>>20, used)
		}
		if len(rec.problems) == 0 {
			t.Error("a database of zeros read without a problem")
		}
	})
	t.Run("a database larger than the limit is not copied past it", func(t *testing.T) {
		t.Setenv("TMPDIR", t.TempDir())
		src := &countingReader{r: io.LimitReader(repeat('A'), 2*maxRPMDatabaseSize)}
		rec, err := rpmCataloger{}.read(context.Background(), db, src)
		if err != nil {
			t.Fatal(err)
		}
		if src.n > maxRPMDatabaseSize+1 {
			t.Errorf("copied %d bytes, more than the %d limit", src.n, maxRPMDatabaseSize)
		}
		want := fmt.Sprintf("larger than the %d bytes", maxRPMDatabaseSize)
		if ps := problems(rec); len(ps) != 1 || !strings.Contains(ps[0], want) {
			t.Errorf("problems %v, want one saying %q", ps, want)
		}
	})
}

func TestWhiteoutsCostWhatTheyRemove(t *testing.T) {
	const n = 20000
	var files, whiteouts []entry
	for i := range n {
		d := fmt.Sprintf("/app/node_modules/p%d", i)
		files = append(files, pkgJSON("/app", fmt.Sprintf("p%d", i), "1.0.0"))
		whiteouts = append(whiteouts, whiteout(d))
	}
	lower, upper := scanOne(t, bytes.NewReader(tarOf(t, files...))), scanOne(t, bytes.NewReader(tarOf(t, whiteouts...)))
	if len(lower.files) != n {
		t.Fatalf("%d package files, want %d", len(lower.files), n)
	}
	fs := newFilesystem()
	fs.apply(0, lower)
	fs.apply(1, upper)
	if len(fs.files) != 0 {
		t.Errorf("%d package files left, want every one whited out", len(fs.files))
	}
	if fs.visited > 4*n {
		t.Errorf("removing %d files walked %d entries: whiteouts cost more than what they remove", n, fs.visited)
	}
}

func TestImagesOfMoreLayersThanReadAreErrors(t *testing.T) {
	l := layerOf(t, file("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n"))
	ls := make([]v1.Layer, maxLayers+1)
	for i := range ls {
		ls[i] = l
	}
	_, err := Read(context.Background(), "oci:"+ociLayout(t, map[string]v1.Image{"": imageOf(t, ls...)}))
	if want := fmt.Sprintf("more than the %d postflight reads", maxLayers); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one saying %q", err, want)
	}
}

func TestHardLinksAreReadOnlyWhereTheirKindOfFileIs(t *testing.T) {
	entries := []entry{file("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n"), exe("usr/bin/app", goBinary(t))}
	for i := range 1000 {
		entries = append(entries, hardlink(fmt.Sprintf("tmp/copy%d", i), "var/lib/dpkg/status"))
	}
	entries = append(entries, hardlink("usr/local/bin/app", "usr/bin/app"))
	inv := readImage(t, imageOfLayers(t, entries))
	for _, p := range inv.Packages {
		want := []string{"/usr/bin/app", "/usr/local/bin/app"}
		if p.Ecosystem == Deb {
			want = []string{dpkgStatus}
		}
		if strings.Join(p.Locations, " ") != strings.Join(want, " ") {
			t.Errorf("%s %s at %v, want at %v", p.Ecosystem, p.Name, p.Locations, want)
		}
	}
}

func TestLayersOfMoreThanTheBudgetAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name           string
		entries, bytes int64
		long           string
	}{
		{"too many entries", 1000, 1 << 30, "d"},
		{"too many bytes of names", 1 << 30, 1 << 20, strings.Repeat("d/", 3000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				tw := tar.NewWriter(pw)
				for i := 0; ; i++ {
					// Directories: nothing but their names is kept.
					if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%s%d/", tc.long, i), Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX}); err != nil {
						pw.CloseWithError(err)
						return
					}
				}
			}()
			_, err := scanLayer(context.Background(), pr, budgetOf(tc.entries, tc.bytes))
			pr.Close()
			if want := fmt.Sprintf("more than %d entries or %d bytes", tc.entries, tc.bytes); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want one saying %q", err, want)
			}
		})
	}
}
