package registry_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/slo"
)

// serveIndex serves app:1 as the index given, with the image manifest,
// config and layer it may name.
func serveIndex(t *testing.T, index func(manifest []byte) any) string {
	t.Helper()
	layer := randomBytes(t, 4<<10)
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": digestOf(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": len(layer), "digest": digestOf(layer)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := json.Marshal(index(manifest))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
		case "/v2/app/manifests/1":
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			w.Write(idx)
		case "/v2/app/manifests/" + digestOf(manifest):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(manifest)
		case "/v2/app/blobs/" + digestOf(config):
			w.Write(config)
		case "/v2/app/blobs/" + digestOf(layer):
			w.Write(layer)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://") + "/app:1"
}

func indexOf(manifests ...any) map[string]any {
	return map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
}

func descriptorOf(manifest []byte, platform map[string]string) map[string]any {
	d := map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": len(manifest), "digest": digestOf(manifest)}
	if platform != nil {
		d["platform"] = platform
	}
	return d
}

// An index that names no image a platform can run cannot be pulled: its
// every blob being intact is no evidence that a pull works.
func TestVerifyIndexWithNothingToPullFails(t *testing.T) {
	tests := []struct {
		name  string
		index func(manifest []byte) any
	}{
		{"no manifest", func([]byte) any { return indexOf() }},
		{"only attestations", func(m []byte) any {
			return indexOf(descriptorOf(m, map[string]string{"os": "unknown", "architecture": "unknown"}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := verify(t, registry.New(), serveIndex(t, tt.index))
			if in.Status != slo.Fail || !strings.Contains(in.Reason, "no image for any platform") {
				t.Fatalf("status %s: %s; want fail: no image for any platform", in.Status, in.Reason)
			}
		})
	}
}

// The control: the same registry with the image under a real platform.
func TestVerifyIndexWithAPlatformImagePasses(t *testing.T) {
	ref := serveIndex(t, func(m []byte) any {
		return indexOf(descriptorOf(m, map[string]string{"os": "linux", "architecture": "amd64"}),
			descriptorOf(m, map[string]string{"os": "unknown", "architecture": "unknown"}))
	})
	in := verify(t, registry.New(), ref)
	if in.Status != slo.Pass || len(in.Blobs) != 2 {
		t.Fatalf("status %s with %d blobs: %s; want pass with 2", in.Status, len(in.Blobs), in.Reason)
	}
}

// A manifest that names one blob twice with two sizes cannot be pulled:
// one of the descriptors does not match what the registry serves, however
// intact the blob is.
func TestVerifyBlobNamedWithTwoSizesIsCorrupt(t *testing.T) {
	f := newFakeRegistry(t, func(w http.ResponseWriter, _ *http.Request, _ int) {})
	f.serveLayer = func(w http.ResponseWriter, _ *http.Request, _ int) { w.Write(f.layer) }
	layer := func(size int) any {
		return map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": size, "digest": f.layerDigest}
	}
	man, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(f.config), "digest": f.configDigest},
		"layers":        []any{layer(len(f.layer)), layer(len(f.layer) + 1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.manifestBytes = man
	in := verify(t, registry.New(), f.ref())
	if in.Status != slo.Fail || !strings.Contains(in.Reason, f.layerDigest) || !strings.Contains(in.Reason, "sizes") {
		t.Fatalf("status %s: %s; want fail naming %s and its two sizes", in.Status, in.Reason, f.layerDigest)
	}
}
