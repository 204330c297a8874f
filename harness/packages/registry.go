package packages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/postflight/postflight/harness/registry"
)

// remoteImage opens an image in a registry. Layers are fetched when read;
// go-containerregistry checks each blob against its digest.
func (rd *reader) remoteImage(ctx context.Context, r Reference) (v1.Image, error) {
	ref, err := name.ParseReference(r.Name)
	if err != nil {
		return nil, err
	}
	opts := append([]remote.Option{
		// The registry package's transport: bounded waits, as every
		// registry request of postflight has.
		remote.WithTransport(registry.Transport(rd.o.registryTimeout)),
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(rd.o.keychain),
		remote.WithPlatform(rd.o.platform),
	}, rd.o.remote...)
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("fetch manifest: %w", err)
	}
	return img, nil
}

// layoutImage opens an image in an OCI image layout directory.
func (rd *reader) layoutImage(r Reference) (v1.Image, error) {
	dir, sel := r.pathAndSelector()
	doc, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		if os.IsNotExist(err) {
			if _, serr := os.Stat(dir); serr != nil {
				return nil, fmt.Errorf("open OCI layout: %w", serr)
			}
			return nil, fmt.Errorf("%s is not an OCI image layout: it has no index.json", dir)
		}
		return nil, fmt.Errorf("open OCI layout: %w", err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout: %w", err)
	}
	desc, parent, err := pickManifest(doc, imageSelector{tag: sel}, rd.o.platform, func(h v1.Hash) ([]byte, error) {
		b, err := p.Bytes(h)
		if err != nil {
			return nil, fmt.Errorf("blob %s: %w", h, err)
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	if parent == nil {
		img, err := p.Image(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("open image %s: %w", desc.Digest, err)
		}
		return img, nil
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("open OCI layout: %w", err)
	}
	idx, err := top.ImageIndex(parent.Digest)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", parent.Digest, err)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("open image %s: %w", desc.Digest, err)
	}
	return img, nil
}
