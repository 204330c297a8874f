package packages

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// pkgJSON is a node module's package.json.
func pkgJSON(dir, name, version string) entry {
	return file(dir+"/node_modules/"+name+"/package.json", fmt.Sprintf(`{"name": %q, "version": %q}`, name, version))
}

// listed is an inventory as "ecosystem name version@location" lines.
func listed(inv *Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, fmt.Sprintf("%s %s %s@%s", p.Ecosystem, p.Name, p.Version, strings.Join(p.Locations, ",")))
	}
	return out
}

func TestLayersApplyInOrder(t *testing.T) {
	status := func(pkgs ...string) entry {
		var b strings.Builder
		for _, p := range pkgs {
			name, version, _ := strings.Cut(p, "=")
			fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nVersion: %s\n\n", name, version)
		}
		return file("var/lib/dpkg/status", b.String())
	}
	for _, tc := range []struct {
		name   string
		layers [][]entry
		want   []string
	}{{
		name: "a rewritten database in a later layer wins",
		layers: [][]entry{
			{status("curl=7.88.1-10", "wget=1.21.3-1")},
			{status("curl=7.88.1-10+deb12u5")},
		},
		want: []string{"deb curl 7.88.1-10+deb12u5@/var/lib/dpkg/status"},
	}, {
		name: "a whiteout removes a package directory",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/app", "b", "2.0.0")},
			{whiteout("app/node_modules/a")},
		},
		want: []string{"npm b 2.0.0@/app/node_modules/b/package.json"},
	}, {
		name: "a whiteout of a parent directory removes everything under it",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/srv", "b", "2.0.0")},
			{whiteout("app")},
		},
		want: []string{"npm b 2.0.0@/srv/node_modules/b/package.json"},
	}, {
		name: "an opaque directory hides the lower layers' content, not its own",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/app", "b", "2.0.0"), pkgJSON("/srv", "c", "3.0.0")},
			{opaque("app/node_modules"), pkgJSON("/app", "b", "2.1.0")},
		},
		want: []string{"npm b 2.1.0@/app/node_modules/b/package.json", "npm c 3.0.0@/srv/node_modules/c/package.json"},
	}, {
		name: "a whiteout acts on lower layers only: what its own layer puts back stays",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/app", "b", "2.0.0")},
			{whiteout("app"), pkgJSON("/app", "b", "2.1.0")},
		},
		want: []string{"npm b 2.1.0@/app/node_modules/b/package.json"},
	}, {
		name: "a whiteout then the same path again in a later layer",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0")},
			{whiteout("app/node_modules/a")},
			{pkgJSON("/app", "a", "1.2.0")},
		},
		want: []string{"npm a 1.2.0@/app/node_modules/a/package.json"},
	}, {
		name: "a symlink replacing a directory hides what was in it",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), pkgJSON("/opt", "b", "2.0.0")},
			{symlink("app", "/opt")},
		},
		want: []string{"npm b 2.0.0@/opt/node_modules/b/package.json"},
	}, {
		name: "a directory replacing a file removes it",
		layers: [][]entry{
			{status("curl=7.88.1-10")},
			{dir("var/lib/dpkg/status/")},
		},
		want: nil,
	}, {
		name: "a file that records no package replaces one that did",
		layers: [][]entry{
			{exe("usr/bin/app", goBinary(t))},
			{exe("usr/bin/app", []byte("#!/bin/sh\necho replaced\n"))},
		},
		want: nil,
	}, {
		name: "a hard link to a package file is a package file too",
		layers: [][]entry{
			{pkgJSON("/app", "a", "1.0.0"), hardlink("srv/node_modules/a/package.json", "app/node_modules/a/package.json")},
		},
		want: []string{"npm a 1.0.0@/app/node_modules/a/package.json,/srv/node_modules/a/package.json"},
	}, {
		name: "names with ./ and without, a later entry of a layer wins",
		layers: [][]entry{
			{file("./app/node_modules/a/package.json", `{"name":"a","version":"1.0.0"}`), file("app/node_modules/a/package.json", `{"name":"a","version":"1.0.1"}`)},
		},
		want: []string{"npm a 1.0.1@/app/node_modules/a/package.json"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			inv := readImage(t, imageOfLayers(t, tc.layers...))
			var got []string
			for _, l := range listed(inv) {
				if !strings.HasPrefix(l, "golang ") || len(tc.want) > 0 && strings.HasPrefix(tc.want[0], "golang") {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			if len(inv.Problems) > 0 {
				t.Errorf("problems: %v", inv.Problems)
			}
		})
	}
}

// Layers compressed with zstd, or not compressed at all, read as gzip ones.
func TestLayerCompressions(t *testing.T) {
	data := tarOf(t, pkgJSON("/app", "a", "1.0.0"))
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	zstdLayer, err := tarball.LayerFromOpener(open, tarball.WithCompression(compression.ZStd))
	if err != nil {
		t.Fatal(err)
	}
	plain := static.NewLayer(tarOf(t, pkgJSON("/app", "b", "2.0.0")), types.OCIUncompressedLayer)
	img := imageOf(t, zstdLayer, plain)
	for _, ref := range []string{"oci:" + ociLayout(t, map[string]v1.Image{"": img}), "oci-archive:" + tarDir(t, ociLayout(t, map[string]v1.Image{"": img}))} {
		inv, err := Read(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := listed(inv); strings.Join(got, "|") != "npm a 1.0.0@/app/node_modules/a/package.json|npm b 2.0.0@/app/node_modules/b/package.json" {
			t.Errorf("%s: %q", ref, got)
		}
	}
}

// goBinary is the test binary itself: a Go executable with build info.
func goBinary(t testing.TB) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Random stacks of layers, with whiteouts, opaque directories, links and
// directories over files, end the same as go-containerregistry's own
// flattening (mutate.Extract) says they do.
func TestLayersAgreeWithFlattening(t *testing.T) {
	for seed := range uint64(40) {
		img := randomImage(t, seed)
		var got []string
		for _, p := range readImage(t, img).Packages {
			got = append(got, strings.Join(p.Locations, ",")+"="+p.Version)
		}
		slices.Sort(got)
		want := flattened(t, img)
		if !slices.Equal(got, want) {
			t.Errorf("seed %d: got %q\nmutate.Extract says %q", seed, got, want)
		}
	}
}

// randomImage is a random stack of layers over a few directories.
func randomImage(t *testing.T, seed uint64) v1.Image {
	dirs := []string{"a", "a/b", "a/b/c", "d", "d/e"}
	rng := rand.New(rand.NewPCG(seed, 7))
	var layers []v1.Layer
	for l := range 1 + rng.IntN(5) {
		var es []entry
		used := map[string]bool{}
		for range 1 + rng.IntN(6) {
			d := dirs[rng.IntN(len(dirs))]
			mod := fmt.Sprintf("m%d", rng.IntN(3))
			var e entry
			switch rng.IntN(7) {
			case 0, 1, 2:
				e = pkgJSON(d, mod, fmt.Sprintf("%d.%d.0", l, rng.IntN(100)))
			case 3:
				e = whiteout(d + "/node_modules/" + mod)
				if rng.IntN(2) == 0 {
					e = whiteout(d)
				}
			case 4:
				e = opaque(d + "/node_modules")
			case 5:
				e = symlink(d, "/elsewhere")
			case 6:
				e = dir(d + "/node_modules/" + mod + "/package.json/")
			}
			key := target(e)
			if used[key] || slices.ContainsFunc(es, func(o entry) bool {
				// A layer holds nothing under a non-directory of its own
				// and, to stay out of a case go-containerregistry gets
				// wrong (the spec keeps such entries), nothing under its
				// own whiteouts.
				return hides(o) && strings.HasPrefix(key, target(o)+"/") || hides(e) && strings.HasPrefix(target(o), key+"/")
			}) {
				continue
			}
			used[key] = true
			es = append(es, e)
		}
		layers = append(layers, layerOf(t, es...))
	}
	return imageOf(t, layers...)
}

// target is the path an entry is about: a whiteout's is the path it removes.
func target(e entry) string {
	p := strings.TrimSuffix(strings.TrimPrefix(e.name, "/"), "/")
	d, b := path.Split(p)
	if strings.HasPrefix(b, ".wh.") && b != ".wh..wh..opq" {
		return d + strings.TrimPrefix(b, ".wh.")
	}
	return p
}

// hides reports whether an entry hides paths under it: a symlink or a
// whiteout.
func hides(e entry) bool {
	return e.typ == tar.TypeSymlink || strings.HasPrefix(path.Base(e.name), ".wh.") && !strings.HasSuffix(e.name, ".wh..wh..opq")
}

// flattened lists the package.json files of an image as mutate.Extract
// flattens it, as "path=version".
func flattened(t *testing.T, img v1.Image) []string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := cleanPath(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !strings.HasSuffix(p, "/package.json") {
			continue
		}
		rec, err := npmCataloger{}.read(context.Background(), p, tr)
		if err != nil || len(rec.packages) != 1 {
			t.Fatalf("read %s: %v %+v", p, err, rec)
		}
		out = append(out, p+"="+rec.packages[0].Version)
	}
	slices.Sort(out)
	return out
}
