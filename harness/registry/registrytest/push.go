package registrytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
)

// Push tags the local image as path ("app:1.0.0") in this registry, pushes
// it with the Docker daemon and returns the digest of the pushed manifest.
// The local tag is removed when the test ends (the image stays if it has
// other tags).
func (r *Registry) Push(t testing.TB, cli *client.Client, local, path string) string {
	t.Helper()
	ctx := context.Background()
	ref := r.Ref(path)
	r.Tag(t, cli, local, ref)
	// Docker 20.10 wants the header even when there are no credentials.
	cfg := registry.AuthConfig{ServerAddress: r.Host}
	if r.User != "" {
		cfg.Username, cfg.Password = r.User, r.Password
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	auth := base64.URLEncoding.EncodeToString(b)
	resp, err := cli.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	if err := resp.Wait(ctx); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return r.Digest(t, path)
}

// Tag tags a local image as ref, and removes the tag when the test ends.
func (r *Registry) Tag(t testing.TB, cli *client.Client, local, ref string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: local, Target: ref}); err != nil {
		t.Fatalf("tag %s as %s: %v", local, ref, err)
	}
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove tag %s: %v", ref, err)
		}
	})
}

// Digest is the manifest digest of path in the registry, asked with the
// registry's own credentials.
func (r *Registry) Digest(t testing.TB, path string) string {
	t.Helper()
	// Plain HTTP also off the loopback (WithAddr).
	ref, err := name.ParseReference(r.Ref(path), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(ref, remote.WithAuth(r.auth()))
	if err != nil {
		t.Fatalf("head %s: %v", ref, err)
	}
	return desc.Digest.String()
}

// auth is the registry's credentials for go-containerregistry.
func (r *Registry) auth() authn.Authenticator {
	if r.User == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: r.User, Password: r.Password}
}

// TruncateLastLayer cuts the last layer blob of path in the storage to 100
// bytes, while its manifest still resolves, and returns the layer's digest.
func (r *Registry) TruncateLastLayer(t testing.TB, path string) string {
	t.Helper()
	ref, err := name.ParseReference(r.Ref(path))
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithAuth(r.auth()))
	if err != nil {
		t.Fatalf("get %s: %v", ref, err)
	}
	m, err := img.Manifest()
	if err != nil || len(m.Layers) == 0 {
		t.Fatalf("manifest of %s: %v (%d layers)", ref, err, len(m.Layers))
	}
	digest := m.Layers[len(m.Layers)-1].Digest.String()
	if err := os.Truncate(r.BlobPath(digest), 100); err != nil {
		t.Fatal(err)
	}
	return digest
}
