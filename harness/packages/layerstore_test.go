package packages

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"
	"golang.org/x/sys/unix"
)

// demoImages are the demo service's images (make images): pip metadata and
// a Go executable each.
var demoImages = []string{"postflight-demo:1.0.0", "postflight-demo:1.1.0", "postflight-demo:1.2.0", "postflight-demo:1.3.0", "postflight-demo:1.4.0"}

// needImages fails the test when an image is missing from the daemon.
func needImages(t *testing.T, refs ...string) {
	t.Helper()
	for _, r := range refs {
		if out, err := exec.Command("docker", "image", "inspect", "-f", "{{.ID}}", r).CombinedOutput(); err != nil {
			t.Fatalf("image %s: %v %s(build it with `make images`)", r, err, out)
		}
	}
}

// needLayerStore skips the test where the daemon's layer store is not read
// (another storage driver, a remote daemon, not root), saying why.
func needLayerStore(t *testing.T, d *Diff) {
	t.Helper()
	for _, img := range []Image{d.Old, d.New} {
		if img.Read == nil {
			t.Fatalf("%s: no word on how it was read", img.Ref)
		}
		if img.Read.Method != FromLayerStore {
			t.Skipf("%s is not read from the layer store here: %s", img.Ref, img.Read)
		}
	}
}

// withoutRead is a diff as JSON, without the word on how its images were
// read: what must not depend on it.
func withoutRead(t *testing.T, d *Diff) string {
	t.Helper()
	c := *d
	c.Old.Read, c.New.Read = nil, nil
	b, err := json.MarshalIndent(&c, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertSameAsExport compares what the layer store and docker save make of
// two images: the inventories of each and their diff.
func assertSameAsExport(t *testing.T, oldRef, newRef string) *Diff {
	t.Helper()
	ctx := context.Background()
	fast, err := Compare(ctx, oldRef, newRef)
	if err != nil {
		t.Fatal(err)
	}
	needLayerStore(t, fast)
	slow, err := Compare(ctx, oldRef, newRef, WithLayerStore(false))
	if err != nil {
		t.Fatal(err)
	}
	want := DaemonRead{Method: FromExport, Why: "reading the layer store is turned off"}
	if slow.Old.Read == nil || *slow.Old.Read != want || slow.New.Read == nil || *slow.New.Read != want {
		t.Errorf("export: read %v and %v, want %v", slow.Old.Read, slow.New.Read, want)
	}
	if a, b := withoutRead(t, fast), withoutRead(t, slow); a != b {
		t.Errorf("%s -> %s: the layer store's diff\n%s\nthe export's\n%s", oldRef, newRef, a, b)
	}
	for _, ref := range []string{oldRef, newRef} {
		a, err := Read(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Read(ctx, ref, WithLayerStore(false))
		if err != nil {
			t.Fatal(err)
		}
		if a.Image.Read.Method != FromLayerStore || b.Image.Read.Method != FromExport {
			t.Errorf("%s: read %v and %v", ref, a.Image.Read, b.Image.Read)
		}
		a.Image.Read, b.Image.Read = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the layer store's inventory\n%s\nthe export's\n%s", ref, strings.Join(listed(a), "\n"), strings.Join(listed(b), "\n"))
		}
	}
	return fast
}

// Every fixture pair reads the same from the daemon's layer store as from
// docker save.
func TestLayerStoreReadsAsTheExport(t *testing.T) {
	fixtureImages(t)
	needImages(t, demoImages...)
	d := assertSameAsExport(t, fixtureOld, fixtureNew)
	assertFixtureDiff(t, d)
	for _, v := range demoImages[1:] {
		assertSameAsExport(t, demoImages[0], v)
	}
	// Images of both sources in one diff.
	mixed, err := Compare(context.Background(), fixtureOld, "docker-archive:"+saveFixtures(t, fixtureNew))
	if err != nil {
		t.Fatal(err)
	}
	if mixed.Old.Read == nil || mixed.Old.Read.Method != FromLayerStore || mixed.New.Read != nil {
		t.Errorf("read %v and %v: want the layer store, then nothing for an archive", mixed.Old.Read, mixed.New.Read)
	}
	mixed.New.Ref, mixed.New.Digest = d.New.Ref, ""
	if a, b := withoutRead(t, mixed), withoutRead(t, d); a != b {
		t.Errorf("the diff against an archive\n%s\nagainst the daemon\n%s", a, b)
	}
	var table, js bytes.Buffer
	if err := WriteTable(&table, d, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, d, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "\nboth read from the daemon's layer store\n") || !strings.Contains(js.String(), `"method": "layer-store"`) {
		t.Errorf("the output does not say how the images were read:\n%s\n%s", table.String(), js.String())
	}
}

// whiteoutImage builds an image whose last layer, written by a RUN step,
// removes a dpkg status file (a whiteout) and a node module's directory,
// writing the module again (an opaque directory with overlay2): what the
// lower layers held there must not be read.
func whiteoutImage(t *testing.T) string {
	t.Helper()
	ctx := t.TempDir()
	files := map[string]string{
		"var/lib/dpkg/status":                                    "Package: gone\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\n",
		"var/lib/dpkg/status.d/kept":                             "Package: kept\nArchitecture: amd64\nVersion: 2.0-1\n",
		"lib/apk/db/installed":                                   "P:musl\nV:1.2.4-r2\nA:x86_64\n\n",
		"srv/app/node_modules/qs/package.json":                   `{"name": "qs", "version": "6.11.0"}`,
		"srv/app/node_modules/qs/node_modules/side/package.json": `{"name": "side", "version": "1.0.0"}`,
		"srv/app/node_modules/left-pad/package.json":             `{"name": "left-pad", "version": "1.3.0"}`,
		"usr/lib/python3/dist-packages/idna-3.3.egg-info":        "Metadata-Version: 1.2\nName: idna\nVersion: 3.3\n",
	}
	for name, body := range files {
		p := filepath.Join(ctx, "base", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctx, "pkgtool"), "../../fixtures/packages/pkgtool")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build pkgtool: %v\n%s", err, out)
	}
	dockerfile := `FROM scratch
COPY base/ /
COPY pkgtool /pkgtool
RUN ["/pkgtool", "rm", "/var/lib/dpkg/status", "rm", "/srv/app/node_modules/qs", "rm", "/usr/lib/python3/dist-packages/idna-3.3.egg-info", \
    "write", "/srv/app/node_modules/qs/package.json", "{\"name\": \"qs\", \"version\": \"6.11.2\"}", "rm", "/pkgtool"]
`
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "postflight-pkgs-test:whiteouts"
	cmd := exec.Command("docker", "build", "-q", "-t", tag, "--label", "io.postflight.fixture=packages-test", ctx)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", tag).Run() })
	return tag
}

// A whiteout and a directory removed and written again in an upper layer
// hide what the layers under it hold, read from the layer store as from the
// export: from a docker build, and from a loaded image whose layer carries
// an explicit opaque directory.
func TestLayerStoreAppliesWhiteoutsAsTheExport(t *testing.T) {
	fixtureImages(t)
	built := whiteoutImage(t)
	loaded := imageOfLayers(t,
		[]entry{pkgJSON("/srv/app", "qs", "6.11.0"), pkgJSON("/srv/app/node_modules/qs", "side", "1.0.0"), pkgJSON("/srv/app", "left-pad", "1.3.0"),
			file("var/lib/dpkg/status", "Package: gone\nStatus: install ok installed\nVersion: 1.0-1\n\n")},
		[]entry{opaque("srv/app/node_modules/qs"), pkgJSON("/srv/app", "qs", "6.11.2"), whiteout("var/lib/dpkg/status"),
			file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\n\n")},
	)
	tag := "postflight-pkgs-test:opaque"
	archive := dockerArchive(t, map[string]v1.Image{tag: labelled(t, loaded)})
	if out, err := exec.Command("docker", "load", "-q", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", tag).Run() })
	assertSameAsExport(t, built, tag)
	for ref, want := range map[string][]string{
		built: {
			"deb kept 2.0-1@/var/lib/dpkg/status.d/kept",
			"apk musl 1.2.4-r2@/lib/apk/db/installed",
			"npm left-pad 1.3.0@/srv/app/node_modules/left-pad/package.json",
			"npm qs 6.11.2@/srv/app/node_modules/qs/package.json",
		},
		tag: {
			"apk musl 1.2.4-r2@/lib/apk/db/installed",
			"npm left-pad 1.3.0@/srv/app/node_modules/left-pad/package.json",
			"npm qs 6.11.2@/srv/app/node_modules/qs/package.json",
		},
	} {
		inv, err := Read(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := listed(inv); !reflect.DeepEqual(got, want) {
			t.Errorf("%s lists\n%s\nwant\n%s", ref, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// clientAs is the real client, with what the layer store is told about the
// daemon changed.
type clientAs struct {
	*client.Client
	host    string
	inspect func(*client.ImageInspectResult)
}

func (c clientAs) DaemonHost() string {
	if c.host != "" {
		return c.host
	}
	return c.Client.DaemonHost()
}

func (c clientAs) ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	res, err := c.Client.ImageInspect(ctx, image, opts...)
	if err == nil && c.inspect != nil && res.GraphDriver != nil {
		gd := *res.GraphDriver
		gd.Data = map[string]string{}
		for k, v := range res.GraphDriver.Data {
			gd.Data[k] = v
		}
		res.GraphDriver = &gd
		c.inspect(&res)
	}
	return res, err
}

// onlyDocker is a client that does not say where the daemon is.
type onlyDocker struct{ DockerClient }

// Where the layer store cannot be read, the images are exported, with the
// same diff, and the diff says why.
func TestLayerStoreFallsBackToTheExport(t *testing.T) {
	fixtureImages(t)
	ctx := context.Background()
	want, err := Compare(ctx, fixtureOld, fixtureNew)
	if err != nil {
		t.Fatal(err)
	}
	needLayerStore(t, want)
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	missing := filepath.Join(t.TempDir(), "gone")
	for _, tc := range []struct {
		name string
		cli  DockerClient
		why  string
	}{
		{"remote daemon", clientAs{Client: cli, host: "tcp://10.0.0.1:2376"}, "the daemon at tcp://10.0.0.1:2376 is not reached through a socket on this host"},
		{"no host", onlyDocker{cli}, "the Docker client does not say where the daemon is"},
		{"another driver", clientAs{Client: cli, inspect: func(r *client.ImageInspectResult) { r.GraphDriver.Name = "vfs" }}, "the daemon's storage driver is vfs, not overlay2 or fuse-overlayfs"},
		{"containerd image store", clientAs{Client: cli, inspect: func(r *client.ImageInspectResult) { r.GraphDriver = nil }}, "the daemon names no storage driver for the image (the containerd image store)"},
		{"directory missing", clientAs{Client: cli, inspect: func(r *client.ImageInspectResult) { r.GraphDriver.Data["UpperDir"] = missing }},
			"cannot read the layer directory: open " + missing + ": no such file or directory"},
		{"layers miscounted", clientAs{Client: cli, inspect: func(r *client.ImageInspectResult) { delete(r.GraphDriver.Data, "LowerDir") }}, "the daemon names 1 layer directories for the image's "},
		{"a relative directory", clientAs{Client: cli, inspect: func(r *client.ImageInspectResult) { r.GraphDriver.Data["UpperDir"] = "diff" }}, `the layer directory "diff" is not an absolute path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Compare(ctx, fixtureOld, fixtureNew, WithDockerClient(tc.cli))
			if err != nil {
				t.Fatal(err)
			}
			for _, img := range []Image{d.Old, d.New} {
				if img.Read == nil || img.Read.Method != FromExport || !strings.HasPrefix(img.Read.Why, tc.why) {
					t.Errorf("%s read %v, want an export because %s", img.Ref, img.Read, tc.why)
				}
			}
			if a, b := withoutRead(t, d), withoutRead(t, want); a != b {
				t.Errorf("the export's diff\n%s\nthe layer store's\n%s", a, b)
			}
			var table bytes.Buffer
			WriteTable(&table, d, nil)
			if !strings.Contains(table.String(), " exported with docker save: "+tc.why) {
				t.Errorf("the table does not say why:\n%s", table.String())
			}
		})
	}
}

// A layer directory as overlay2 keeps it as root (whiteouts as character
// devices 0/0, opaque directories by attribute), with a symlink out of the
// layer and hard links, reads as the layer's tar does.
func TestLayerDirectoryReadsAsItsTar(t *testing.T) {
	if overlayReadable() != "" {
		t.Skipf("needs root in the host's user namespace to make whiteouts and read trusted.* attributes: %s", overlayReadable())
	}
	status := "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10\n\n"
	lower := []entry{
		file("var/lib/dpkg/status", status),
		pkgJSON("/srv/app", "qs", "6.11.0"), pkgJSON("/srv/app/node_modules/qs", "side", "1.0.0"),
		pkgJSON("/srv/app", "left-pad", "1.3.0"),
		file("usr/lib/python3/dist-packages/idna-3.3.egg-info", "Metadata-Version: 1.2\nName: idna\nVersion: 3.3\n"),
	}
	upperTar := []entry{
		whiteout("var/lib/dpkg/status"),
		dir("srv/app/node_modules/qs"), opaque("srv/app/node_modules/qs"), pkgJSON("/srv/app", "qs", "6.11.2"),
		whiteout("usr/lib/python3/dist-packages/idna-3.3.egg-info"),
		file("usr/lib/python3/dist-packages/idna-3.4.egg-info", "Metadata-Version: 1.2\nName: idna\nVersion: 3.4\n"),
		hardlink("usr/lib/python3/dist-packages/x-1.0.egg-info", "usr/lib/python3/dist-packages/idna-3.4.egg-info"),
		symlink("lib/apk/db/installed", "/etc/passwd"),
		file("etc/apkdb/installed", "P:musl\nV:1.2.4-r2\n\n"),
		symlink("usr/lib/apk/db", "/etc/apkdb"),
	}
	d := t.TempDir()
	put := func(name string, body string, mode os.FileMode) {
		p := filepath.Join(d, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	mkdirs := func(names ...string) {
		for _, n := range names {
			if err := os.MkdirAll(filepath.Join(d, n), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	mkdirs("var/lib/dpkg", "srv/app/node_modules/qs", "usr/lib/python3/dist-packages", "lib/apk/db", "usr/lib/apk")
	for _, w := range []string{"var/lib/dpkg/status", "usr/lib/python3/dist-packages/idna-3.3.egg-info"} {
		if err := unix.Mknod(filepath.Join(d, w), unix.S_IFCHR, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Setxattr(filepath.Join(d, "srv/app/node_modules/qs"), "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	put("srv/app/node_modules/qs/package.json", `{"name": "qs", "version": "6.11.2"}`, 0o644)
	put("usr/lib/python3/dist-packages/idna-3.4.egg-info", "Metadata-Version: 1.2\nName: idna\nVersion: 3.4\n", 0o644)
	if err := os.Link(filepath.Join(d, "usr/lib/python3/dist-packages/idna-3.4.egg-info"), filepath.Join(d, "usr/lib/python3/dist-packages/x-1.0.egg-info")); err != nil {
		t.Fatal(err)
	}
	put("etc/apkdb/installed", "P:musl\nV:1.2.4-r2\n\n", 0o644)
	for link, target := range map[string]string{"lib/apk/db/installed": "/etc/passwd", "usr/lib/apk/db": "/etc/apkdb"} {
		if err := os.Symlink(target, filepath.Join(d, link)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	lowerIdx, err := scanLayer(ctx, bytes.NewReader(tarOf(t, lower...)), newBudget())
	if err != nil {
		t.Fatal(err)
	}
	fromTar, err := scanLayer(ctx, bytes.NewReader(tarOf(t, upperTar...)), newBudget())
	if err != nil {
		t.Fatal(err)
	}
	fromDir, err := scanLayerDir(ctx, d, newBudget())
	if err != nil {
		t.Fatal(err)
	}
	img := Image{Ref: "test", Layers: []string{"sha256:lower", "sha256:upper"}}
	want, got := newInventory(img, []*layerIndex{lowerIdx, fromTar}), newInventory(img, []*layerIndex{lowerIdx, fromDir})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the directory lists\n%s\nits tar\n%s", strings.Join(listed(got), "\n"), strings.Join(listed(want), "\n"))
	}
	wantList := []string{
		"pypi idna 3.4@/usr/lib/python3/dist-packages/idna-3.4.egg-info,/usr/lib/python3/dist-packages/x-1.0.egg-info",
		"npm left-pad 1.3.0@/srv/app/node_modules/left-pad/package.json",
		"npm qs 6.11.2@/srv/app/node_modules/qs/package.json",
	}
	if l := listed(got); !reflect.DeepEqual(l, wantList) {
		t.Errorf("the directory lists\n%s\nwant\n%s", strings.Join(l, "\n"), strings.Join(wantList, "\n"))
	}
}
