package packages

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Fuzz targets of the readers of image content, which is untrusted. Each
// asserts what must hold of any input: no panic, what is kept bounded by
// the limits, and every failure to read content reported as a problem
// naming the file (or, for a whole image, as an error). Run one briefly
// with
//
//	go test -run '^$' -fuzz '^FuzzDpkgStatus$' -fuzztime 10s -fuzzminimizetime 3s ./harness/packages/
//
// (minimizing a large input takes a minute by default, the whole run).

// fuzzAllocLimit is the most a reader may allocate for an input of n
// bytes: generous, but far below what an unchecked count would ask for.
func fuzzAllocLimit(n int) uint64 { return 64<<20 + 256*uint64(n) }

// checkRecord asserts what holds of any record a cataloger returns for the
// file at path.
func checkRecord(t *testing.T, rec *record, path string, eco Ecosystem) {
	t.Helper()
	if rec.ecosystem != eco {
		t.Fatalf("record of ecosystem %q, want %q", rec.ecosystem, eco)
	}
	if len(rec.packages) > maxPackagesPerFile {
		t.Fatalf("%d packages, more than the limit %d", len(rec.packages), maxPackagesPerFile)
	}
	if len(rec.problems) > maxProblemsPerFile+2 {
		t.Fatalf("%d problems, more than the limit %d", len(rec.problems), maxProblemsPerFile)
	}
	for _, p := range rec.packages {
		if p.Name == "" || p.Version == "" || p.Ecosystem != eco || len(p.Locations) != 1 || p.Locations[0] != path {
			t.Fatalf("package %+v: want a name, a version and the location %s", p, path)
		}
	}
	for _, p := range rec.problems {
		if p.File != path || p.Message == "" || p.Ecosystem != eco {
			t.Fatalf("problem %+v: want the file %s and a message", p, path)
		}
	}
}

// fuzzCataloger reads data as the file at path with c, checking the
// record and what reading it allocated.
func fuzzCataloger(t *testing.T, c cataloger, path string, data []byte) *record {
	t.Helper()
	var rec *record
	var err error
	alloc := allocated(func() { rec, err = c.read(context.Background(), path, bytes.NewReader(data)) })
	if err != nil {
		t.Fatalf("an error reading content from memory: %v", err)
	}
	if alloc > fuzzAllocLimit(len(data)) {
		t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
	}
	if rec != nil {
		checkRecord(t, rec, path, c.ecosystem())
	}
	return rec
}

// seeds adds each seed to f.
func seeds(f *testing.F, ss ...[]byte) {
	for _, s := range ss {
		f.Add(s)
	}
}

func FuzzDpkgStatus(f *testing.F) {
	seeds(f,
		[]byte("Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.13-1~deb12u1\nDescription: x\n more\n .\n\nPackage: cron\nStatus: deinstall ok config-files\nVersion: 3.0pl1-162\n"),
		[]byte("Package: a\nStatus: install ok\n\nx\n\n\tcontinued\nVersion: 1\n"),
		[]byte("Package: b\r\nStatus: hold ok installed\r\nVersion: 1:2.0\r\n\r\n"),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := fuzzCataloger(t, dpkgCataloger{}, dpkgStatus, data)
		fuzzCataloger(t, dpkgCataloger{}, dpkgStatusD+"/base", data)
		if rec == nil {
			t.Fatal("no record for a dpkg status")
		}
	})
}

func FuzzAPKInstalled(f *testing.F) {
	seeds(f,
		[]byte("C:Q1Fz0Yf5k2k=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\n\nP:nover\n\ngarbage line\n"),
		[]byte("P:\nV:\n\n\n\nx\n"),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		if rec := fuzzCataloger(t, apkCataloger{}, "/lib/apk/db/installed", data); rec == nil {
			t.Fatal("no record for an apk database")
		}
	})
}

func FuzzPythonMetadata(f *testing.F) {
	seeds(f,
		[]byte("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: HTTP\nClassifier: a\nClassifier: b\n\nlong description\n"),
		[]byte("Name: bad\nnot a header\nVersion: 1.0\n"),
		[]byte(""),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{
			"/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
			"/usr/lib/python3/site-packages/six-1.16.0.egg-info/PKG-INFO",
			"/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
		} {
			rec := fuzzCataloger(t, pythonCataloger{}, p, data)
			if rec == nil || len(rec.packages)+len(rec.problems) != 1 {
				t.Fatalf("%s: a metadata file is one package or one problem, got %+v", p, rec)
			}
		}
	})
}

func FuzzNPMPackageJSON(f *testing.F) {
	seeds(f,
		[]byte(`{"name":"left-pad","version":"1.3.0","dependencies":{}}`),
		[]byte(`{"name":"@scope/x","version":""}`),
		[]byte(`{"version":1}`),
		[]byte("{\n\"name\": \"a\",\n\"version\": \"1.0.0\",\n}"),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{"/app/node_modules/left-pad/package.json", "/app/node_modules/@scope/x/package.json"} {
			rec := fuzzCataloger(t, npmCataloger{}, p, data)
			if rec == nil || len(rec.packages)+len(rec.problems) != 1 {
				t.Fatalf("%s: a package.json is one package or one problem, got %+v", p, rec)
			}
		}
	})
}

func FuzzGoBuildInfo(f *testing.F) {
	info := blob(8, true, "go1.22.1", syntheticMod)
	seeds(f,
		synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_X, make([]byte, 100)}, segment{elf.PF_R | elf.PF_W, info}),
		synthetic(elf.ELFCLASS32, binary.BigEndian, segment{elf.PF_R | elf.PF_W, append(make([]byte, 64), blob(4, true, "go1.21.0", syntheticMod)...)}),
		synthetic(elf.ELFCLASS64, binary.LittleEndian, segment{elf.PF_R | elf.PF_W, blob(8, false, "", "")}),
		[]byte("#!/bin/sh\n"),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := fuzzCataloger(t, goCataloger{}, "/usr/bin/app", data)
		if rec != nil && len(rec.packages) == 0 && len(rec.problems) == 0 {
			t.Fatal("a record of no package and no problem: not a Go executable is a nil record")
		}
	})
}

func FuzzRPMDatabase(f *testing.F) {
	bash := rpmHeaderBlob("bash", "5.1", "2.el9", "x86_64", -1)
	ssl := rpmHeaderBlob("openssl", "3.0.7", "1.el9", "x86_64", 1)
	seeds(f, ndbOf(bash, ssl), bdbOf(bash, ssl), bdbOf(bytes.Repeat(ssl, 20)), ndbOf([]byte("short")))
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Setenv("TMPDIR", t.TempDir())
		if rec := fuzzCataloger(t, rpmCataloger{}, "/var/lib/rpm/Packages", data); rec == nil {
			t.Fatal("no record for an rpm database")
		}
		if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) > 0 {
			t.Fatalf("the database's copy was left behind: %v", left)
		}
	})
}

func FuzzRPMHeader(f *testing.F) {
	seeds(f, rpmHeaderBlob("bash", "5.1", "2.el9", "x86_64", -1), rpmHeaderBlob("openssl", "3.0.7", "1.el9", "x86_64", 1), []byte{0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var h rpmHeader
		var err error
		alloc := allocated(func() { h, err = parseRPMHeader(data) })
		if alloc > fuzzAllocLimit(len(data)) {
			t.Fatalf("parsing %d bytes allocated %d", len(data), alloc)
		}
		if err == nil {
			for _, s := range []string{h.name, h.version, h.release, h.arch} {
				if len(s) >= rpmMaxString || strings.IndexByte(s, 0) >= 0 {
					t.Fatalf("field %q: longer than %d or holding a NUL", s, rpmMaxString)
				}
			}
		}
	})
}

// checkLayer asserts what holds of any layer index.
func checkLayer(t *testing.T, li *layerIndex) {
	t.Helper()
	for p, rec := range li.files {
		if !strings.HasPrefix(p, "/") || filepath.Clean(p) != p {
			t.Fatalf("file %q is not an absolute, clean path", p)
		}
		checkRecord(t, rec, p, rec.ecosystem)
		if catalogerFor(p, 0o755) == nil {
			t.Fatalf("file %s is kept, yet no cataloger reads it", p)
		}
	}
	// Applying the layer, twice, must not panic and must keep only what
	// the layer holds.
	inv := newInventory(Image{Ref: "fuzz", Layers: []string{"a", "b"}}, []*layerIndex{li, li})
	for _, p := range inv.Packages {
		if len(p.Locations) == 0 {
			t.Fatalf("package %+v has no location", p)
		}
	}
}

func FuzzLayerTar(f *testing.F) {
	seeds(f,
		tarOf(f, dir("var/lib/dpkg/"), file("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n"), hardlink("var/lib/dpkg/status.d/a", "var/lib/dpkg/status")),
		tarOf(f, whiteout("/usr/lib/python3/dist-packages/a-1.dist-info"), opaque("/app/node_modules"), pkgJSON("/app", "a", "1.0.0"), symlink("lib/apk", "../usr/lib/apk")),
		tarOf(f, file("lib/apk/db/installed", "P:musl\nV:1\n"), file("lib/apk/db/installed", "P:musl\nV:2\n"), exe("usr/bin/x", []byte("\x7fELF"))),
		gzipBytes(f, tarOf(f, file("var/lib/dpkg/status", "Package: a\n"))),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Setenv("TMPDIR", t.TempDir())
		var li *layerIndex
		var err error
		alloc := allocated(func() {
			ur, uerr := uncompress(bytes.NewReader(data))
			if uerr != nil {
				err = uerr
				return
			}
			defer ur.Close()
			li, err = scanLayer(context.Background(), ur, newBudget())
		})
		if alloc > fuzzAllocLimit(len(data)) {
			t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			return // a corrupt layer is an error
		}
		checkLayer(t, li)
	})
}

// fuzzImageTarSeeds are image tarballs: docker save's and an OCI layout's.
func fuzzImageTarSeeds(f *testing.F) [][]byte {
	img := imageOfLayers(f, []entry{file("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n")}, []entry{whiteout("/var/lib/dpkg/status"), pkgJSON("/app", "a", "1.0.0")})
	var out [][]byte
	for _, p := range []string{
		dockerArchive(f, map[string]v1.Image{"app:1": img}),
		tarDir(f, ociLayout(f, map[string]v1.Image{"app:1": img})),
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzImageTar(f *testing.F) {
	seeds(f, fuzzImageTarSeeds(f)...)
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Setenv("TMPDIR", t.TempDir())
		var err error
		alloc := allocated(func() {
			var it *imageTar
			if it, err = readImageTar(context.Background(), bytes.NewReader(data), true, newBudget()); err != nil {
				return
			}
			var layers []*layerIndex
			var img Image
			if img, layers, err = it.image("fuzz", imageSelector{}, v1.Platform{OS: "linux", Architecture: "amd64"}); err != nil {
				return
			}
			if len(layers) != len(img.Layers) {
				t.Fatalf("%d layers, %d diff IDs", len(layers), len(img.Layers))
			}
			for _, li := range layers {
				checkLayer(t, li)
			}
		})
		if alloc > fuzzAllocLimit(len(data)) {
			t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
		}
	})
}

// FuzzOCILayout reads an OCI layout directory made of the input, a tar of
// its files, through the public entry point.
func FuzzOCILayout(f *testing.F) {
	img := imageOfLayers(f, []entry{file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\n")})
	dir := ociLayout(f, map[string]v1.Image{"app:1": img})
	b, err := os.ReadFile(tarDir(f, dir))
	if err != nil {
		f.Fatal(err)
	}
	seeds(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Setenv("TMPDIR", t.TempDir())
		dir := t.TempDir()
		if !untarSmall(dir, data) {
			return
		}
		inv, err := Read(context.Background(), "oci:"+dir)
		if err != nil {
			return
		}
		for _, p := range inv.Packages {
			if p.Name == "" || p.Version == "" || len(p.Locations) == 0 {
				t.Fatalf("package %+v", p)
			}
		}
	})
}

// untarSmall writes the regular files of a tar under dir, as a layout
// directory holds them; it reports false for input that is not a tar.
func untarSmall(dir string, data []byte) bool {
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return true
		}
		if err != nil || hdr.Size > 1<<20 {
			return false
		}
		name := filepath.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !filepath.IsLocal(name) {
			continue
		}
		p := filepath.Join(dir, name)
		if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
			return false
		}
		b, err := io.ReadAll(tr)
		if err != nil || os.WriteFile(p, b, 0o644) != nil {
			return false
		}
	}
}
