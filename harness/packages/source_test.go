package packages

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"
)

// twoVersions is an old and a new test image: the new one upgrades a,
// removes b with a whiteout, and adds c.
func twoVersions(t *testing.T) (v1.Image, v1.Image) {
	base := []entry{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/app", "b", "2.0.0")}
	old := imageOfLayers(t, base)
	new := imageOfLayers(t, base, []entry{pkgJSON("/app", "a", "1.1.0"), whiteout("app/node_modules/b"), pkgJSON("/app", "c", "0.1.0")})
	return old, new
}

var twoVersionsDiff = []string{"npm a upgraded 1.0.0->1.1.0", "npm b removed 2.0.0->", "npm c added ->0.1.0"}

func assertTwoVersions(t *testing.T, d *Diff) {
	t.Helper()
	if got := changes(d); strings.Join(got, "|") != strings.Join(twoVersionsDiff, "|") {
		t.Errorf("changes %q, want %q", got, twoVersionsDiff)
	}
}

func TestReadFromARegistry(t *testing.T) {
	old, new := twoVersions(t)
	host := testRegistry(t)
	oldRef, newRef := push(t, host, "app:1", old), push(t, host, "app:2", new)
	d, err := Compare(context.Background(), oldRef, newRef)
	if err != nil {
		t.Fatal(err)
	}
	assertTwoVersions(t, d)
	digest, _ := new.Digest()
	id, _ := new.ConfigName()
	if d.New.Digest != digest.String() || d.New.ID != id.String() || len(d.New.Layers) != 2 || d.New.Layers[0] != d.Old.Layers[0] {
		t.Errorf("new image %+v: want digest %s, id %s, two layers, the first shared", d.New, digest, id)
	}
}

// A multi-platform image gives its image for the platform asked for, this
// machine's by default.
func TestReadPicksThePlatform(t *testing.T) {
	amd := imageOfLayers(t, []entry{pkgJSON("/app", "native", "1.0.0")})
	arm := imageOfLayers(t, []entry{pkgJSON("/app", "emulated", "1.0.0")})
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	host := testRegistry(t)
	ref := host + "/multi:1"
	tag, err := nameTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	for platform, want := range map[string]string{"amd64": "native", "arm64": "emulated"} {
		inv, err := Read(context.Background(), "docker://"+ref, WithPlatform(v1.Platform{OS: "linux", Architecture: platform}))
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.Packages) != 1 || inv.Packages[0].Name != want {
			t.Errorf("%s: %v, want %s", platform, inv.Packages, want)
		}
	}
	// The same out of an OCI layout holding the index.
	dir := t.TempDir()
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	inv, err := Read(context.Background(), "oci:"+dir, WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Name != "emulated" {
		t.Errorf("from the layout: %v", inv.Packages)
	}
	if _, err := Read(context.Background(), "oci:"+dir, WithPlatform(v1.Platform{OS: "linux", Architecture: "s390x"})); err == nil || !strings.Contains(err.Error(), "it has no linux/s390x image (it has linux/amd64, linux/arm64/v8)") {
		t.Errorf("a platform the image lacks: %v", err)
	}
	// And out of a layout holding it as a nested index.
	nested := t.TempDir()
	np, err := layout.Write(nested, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := np.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	inv, err = Read(context.Background(), "oci:"+nested, WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil || len(inv.Packages) != 1 || inv.Packages[0].Name != "emulated" {
		t.Errorf("from a nested index: %v %v", inv, err)
	}
	inv, err = Read(context.Background(), "oci-archive:"+tarDir(t, nested), WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil || len(inv.Packages) != 1 || inv.Packages[0].Name != "emulated" {
		t.Errorf("from a tar of a nested index: %v %v", inv, err)
	}
	if _, err := Read(context.Background(), "oci:"+nested, WithPlatform(v1.Platform{OS: "linux", Architecture: "s390x"})); err == nil || !strings.Contains(err.Error(), "has no linux/s390x image (it has linux/amd64, linux/arm64/v8)") {
		t.Errorf("a platform the nested index lacks: %v", err)
	}
}

func TestReadArchives(t *testing.T) {
	old, new := twoVersions(t)
	archive := dockerArchive(t, map[string]v1.Image{"app:1": old, "app:2": new})
	gzipped := filepath.Join(t.TempDir(), "images.tar.gz")
	raw, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(gzipped, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	layoutTar := tarDir(t, ociLayout(t, map[string]v1.Image{"app:1": old, "app:2": new}))
	for name, refs := range map[string][2]string{
		"docker save":              {"docker-archive:" + archive + ":app:1", "docker-archive:" + archive + ":app:2"},
		"docker save, gzipped":     {"docker-archive:" + gzipped + ":app:1", "docker-archive:" + gzipped + ":docker.io/library/app:2"},
		"OCI layout in a tar":      {"oci-archive:" + layoutTar + ":app:1", "oci-archive:" + layoutTar + ":app:2"},
		"either name, either kind": {"oci-archive:" + archive + ":app:1", "docker-archive:" + layoutTar + ":app:2"},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := Compare(context.Background(), refs[0], refs[1])
			if err != nil {
				t.Fatal(err)
			}
			assertTwoVersions(t, d)
		})
	}
	// Several images and no pick; a pick that is not there.
	for ref, want := range map[string]string{
		"docker-archive:" + archive:            "it holds 2 images (app:1, app:2): pick one with docker-archive:" + archive + ":NAME:TAG",
		"docker-archive:" + archive + ":app:3": "no image app:3 in it (it holds app:1, app:2)",
		"oci-archive:" + layoutTar:             "it holds 2 images",
		"oci-archive:" + layoutTar + ":app:3":  "no image app:3 in it",
	} {
		if _, err := Read(context.Background(), ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", ref, err, want)
		}
	}
}

// Bad input is an error naming the image and what in it is wrong.
func TestReadBadInput(t *testing.T) {
	old, _ := twoVersions(t)
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := write("garbage.tar", []byte("this is not a tarball"))
	notImages := write("files.tar", tarOf(t, file("etc/hostname", "box\n")))

	// A layer blob in a layout with one byte changed.
	corrupt := ociLayout(t, map[string]v1.Image{"": old})
	layers, _ := old.Layers()
	digest, _ := layers[0].Digest()
	blob := filepath.Join(corrupt, "blobs", "sha256", digest.Hex)
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A docker save whose layer is another valid layer: only its digest
	// tells.
	swapped := dockerArchive(t, map[string]v1.Image{"app:1": old})
	swappedLayer := tarOf(t, pkgJSON("/app", "evil", "6.6.6"))
	swapped = rewriteEntry(t, swapped, strings.TrimPrefix(digest.String(), "sha256:")+".tar.gz", gzipBytes(t, swappedLayer))

	for ref, want := range map[string]string{
		"docker-archive:" + filepath.Join(tmp, "missing.tar"): "read image docker-archive:" + filepath.Join(tmp, "missing.tar") + ": open " + filepath.Join(tmp, "missing.tar") + ": no such file or directory",
		"docker-archive:" + garbage:                           "read image docker-archive:" + garbage + ": read tar: unexpected EOF",
		"docker-archive:" + notImages:                         "not an image tarball",
		"oci:" + tmp:                                          "is not an OCI image layout: it has no index.json",
		"oci:" + filepath.Join(tmp, "nope"):                   "open OCI layout",
		"oci:" + corrupt:                                      "read image oci:" + corrupt + ": layer 1/1 " + shortDigest(digest.String()) + ": ",
		"docker-archive:" + swapped:                           "is corrupt: its content has digest",
		"docker://127.0.0.1:1/app:1":                          "read image docker://127.0.0.1:1/app:1: fetch manifest: ",
		"docker://" + testRegistry(t) + "/absent:1":           "fetch manifest: GET http://",
	} {
		_, err := Read(context.Background(), ref)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v\nwant one saying %q", ref, err, want)
		}
	}
}

func TestReadFromAnUnreachableDaemon(t *testing.T) {
	cli, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	_, err = Read(context.Background(), "app:1", WithDockerClient(cli))
	if err == nil || !strings.HasPrefix(err.Error(), "read image app:1: cannot reach the Docker daemon: ") {
		t.Errorf("error %v", err)
	}
}

func TestReadAnImageTheDaemonLacks(t *testing.T) {
	fixtureImages(t)
	_, err := Compare(context.Background(), fixtureOld, "postflight-pkgs:absent")
	if err == nil || err.Error() != "read image postflight-pkgs:absent: no such image in the local Docker daemon (postflight does not pull: build or pull it first, or read it from its registry as docker://postflight-pkgs:absent)" {
		t.Errorf("error %v", err)
	}
}

// A malformed entry is a problem naming the image, the layer, the file and
// the line; the rest of the image is read and the rest of the diff shown.
func TestMalformedEntriesAreReported(t *testing.T) {
	status := "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\n\nPackage: wget\nStatus: install ok installed\nVersion: 1.21.3-1\n"
	broken := "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10+deb12u5\n\nPackage: wget\nStatus: install ok installed\n\n"
	old := imageOfLayers(t, []entry{file("var/lib/dpkg/status", status), pkgJSON("/app", "a", "1.0.0")})
	new := imageOfLayers(t,
		[]entry{file("var/lib/dpkg/status", status), pkgJSON("/app", "a", "1.0.0")},
		[]entry{file("var/lib/dpkg/status", broken), file("app/node_modules/a/package.json", `{"name": "a", "version": `)},
	)
	host := testRegistry(t)
	newRef := push(t, host, "app:2", new)
	d, err := Compare(context.Background(), push(t, host, "app:1", old), newRef)
	if err != nil {
		t.Fatal(err)
	}
	if got := changes(d); strings.Join(got, "|") != "deb curl upgraded 7.88.1-10->7.88.1-10+deb12u5" {
		t.Errorf("changes %q: want curl's upgrade, and neither wget nor a removed", got)
	}
	top, _ := new.ConfigFile()
	layer := top.RootFS.DiffIDs[1].String()
	want := []string{
		"app/node_modules/a/package.json",
		newRef + ": /app/node_modules/a/package.json:1 (layer " + shortDigest(layer) + "): npm package a: package.json is not valid JSON: unexpected end of JSON input",
		newRef + ": /var/lib/dpkg/status:5 (layer " + shortDigest(layer) + "): deb package wget: entry has no Version field",
	}
	if len(d.Problems) != 2 || d.Problems[0].String() != want[1] || d.Problems[1].String() != want[2] || d.Problems[1].Layer != layer || d.Problems[1].Image != newRef {
		t.Errorf("problems %q\nwant %q", d.Problems, want[1:])
	}
}

// Two daemon images that share no layer are saved concurrently, one that
// shares is saved with the other once: both give the diff.
func TestReadDaemonImagesWithAndWithoutSharedLayers(t *testing.T) {
	fixtureImages(t)
	old := imageOfLayers(t, []entry{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/app", "b", "2.0.0")})
	new := imageOfLayers(t, []entry{pkgJSON("/app", "a", "1.1.0"), pkgJSON("/app", "c", "0.1.0")})
	tags := []string{"postflight-pkgs-test:old", "postflight-pkgs-test:new"}
	archive := dockerArchive(t, map[string]v1.Image{tags[0]: labelled(t, old), tags[1]: labelled(t, new)})
	if out, err := exec.Command("docker", "load", "-q", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", tags[0], tags[1]).Run() })
	// From docker save, and from the layer store where it is read.
	for _, store := range []bool{false, true} {
		d, err := Compare(context.Background(), tags[0], tags[1], WithLayerStore(store))
		if err != nil {
			t.Fatal(err)
		}
		assertTwoVersions(t, d)
		if d.Old.Layers[0] == d.New.Layers[0] {
			t.Fatal("the test images share their layer")
		}
		// The same image twice: one save, no difference.
		d, err = Compare(context.Background(), tags[0], tags[0], WithLayerStore(store))
		if err != nil || len(d.Changes) != 0 || d.Unchanged != 2 {
			t.Errorf("an image against itself: %v %v", changes(d), err)
		}
	}
}

// labelled marks a test image as postflight's, for `postflight cleanup`
// and people alike.
func labelled(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{"io.postflight.fixture": "packages-test"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
