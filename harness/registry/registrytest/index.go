package registrytest

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// WriteIndex writes a multi-platform image to path ("app:multi"): one
// image of random layers per platform ("linux/amd64"), no blob shared. It
// returns the index digest and, per platform, the digests of the image's
// config and layer blobs.
func (r *Registry) WriteIndex(t testing.TB, path string, layers int64, platforms ...string) (string, map[string][]string) {
	t.Helper()
	idx := v1.ImageIndex(empty.Index)
	blobs := map[string][]string{}
	for _, p := range platforms {
		pl, err := v1.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := random.Image(4096, layers)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		blobs[p] = append(blobs[p], cfg.String())
		ls, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			d, err := l.Digest()
			if err != nil {
				t.Fatal(err)
			}
			blobs[p] = append(blobs[p], d.String())
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: pl}})
	}
	ref, err := name.ParseReference(r.Ref(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx, remote.WithAuth(r.auth())); err != nil {
		t.Fatalf("write index %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String(), blobs
}
