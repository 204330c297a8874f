package packages

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entry is one entry of a test layer.
type entry struct {
	name string
	typ  byte
	mode int64
	body []byte
	link string
}

func file(name, body string) entry {
	return entry{name: name, typ: tar.TypeReg, mode: 0o644, body: []byte(body)}
}

func exe(name string, body []byte) entry {
	return entry{name: name, typ: tar.TypeReg, mode: 0o755, body: body}
}

func dir(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }

func symlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}

func hardlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}

// whiteout removes path from the layers below.
func whiteout(path string) entry {
	d, b := filepath.Split(path)
	return entry{name: d + ".wh." + b, typ: tar.TypeReg, mode: 0o600}
}

// opaque hides what the layers below have in directory d.
func opaque(d string) entry {
	return entry{name: strings.TrimSuffix(d, "/") + "/.wh..wh..opq", typ: tar.TypeReg, mode: 0o600}
}

// tarOf writes entries as an uncompressed tar.
func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)), Linkname: e.link, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// layerOf makes a gzip-compressed layer of entries.
func layerOf(t testing.TB, entries ...entry) v1.Layer {
	t.Helper()
	data := tarOf(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf stacks layers, bottom first, into a linux image.
func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// imageOfLayers is imageOf for layers given as entries.
func imageOfLayers(t testing.TB, layers ...[]entry) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, es := range layers {
		ls = append(ls, layerOf(t, es...))
	}
	return imageOf(t, ls...)
}

// ociLayout writes images into a new OCI layout and returns its directory;
// each is annotated with its tag when one is given.
func ociLayout(t testing.TB, imgs map[string]v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for tag, img := range imgs {
		var opts []layout.Option
		if tag != "" {
			opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
		}
		if err := p.AppendImage(img, opts...); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readImage reads one test image through an OCI layout.
func readImage(t testing.TB, img v1.Image) *Inventory {
	t.Helper()
	inv, err := Read(context.Background(), "oci:"+ociLayout(t, map[string]v1.Image{"": img}))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// dockerArchive writes images as `docker save` would (go-containerregistry
// writes compressed layers), returning the file's path.
func dockerArchive(t testing.TB, imgs map[string]v1.Image) string {
	t.Helper()
	refs := map[name.Reference]v1.Image{}
	for tag, img := range imgs {
		ref, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[ref] = img
	}
	p := filepath.Join(t.TempDir(), "images.tar")
	if err := tarball.MultiRefWriteToFile(p, refs); err != nil {
		t.Fatal(err)
	}
	return p
}

// tarDir writes a directory as a tar file (an OCI layout as an oci-archive).
func tarDir(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "layout.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// testRegistry serves an in-process registry for the test and returns its
// host:port.
func testRegistry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// push writes an image to a registry and returns its docker:// reference.
func push(t testing.TB, host, repoTag string, img v1.Image) string {
	t.Helper()
	ref, err := name.ParseReference(host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return "docker://" + ref.String()
}

// Fixture images, built once per test binary by their build script.
const (
	fixtureOld = "postflight-pkgs:old"
	fixtureNew = "postflight-pkgs:new"
)

var fixtureOnce struct {
	sync.Once
	err error
	out string
}

// fixtureImages builds postflight-pkgs:old and :new in the local daemon
// (cheap when nothing changed: the build script's layers are reproducible
// and cached). Tests that need Docker are skipped with -short.
func fixtureImages(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds fixture images in the local Docker daemon")
	}
	fixtureOnce.Do(func() {
		out, err := exec.Command("../../fixtures/packages/build-images.sh").CombinedOutput()
		fixtureOnce.err, fixtureOnce.out = err, string(out)
	})
	if fixtureOnce.err != nil {
		t.Fatalf("build fixture images: %v\n%s", fixtureOnce.err, fixtureOnce.out)
	}
}

// saveFixtures writes the fixture images with docker save.
func saveFixtures(t testing.TB, refs ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "saved.tar")
	out, err := exec.Command("docker", append([]string{"save", "-o", p}, refs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	return p
}

func nameTag(ref string) (name.Tag, error) { return name.NewTag(ref) }

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// rewriteEntry copies a tar file with the named entry's content replaced
// and returns the copy's path.
func rewriteEntry(t testing.TB, path, entryName string, content []byte) string {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	outPath := path + ".rewritten"
	out, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	found := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == entryName {
			body, found = content, true
			hdr.Size = int64(len(body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s has no entry %s", path, entryName)
	}
	return outPath
}
