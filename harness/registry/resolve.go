package registry

import (
	"bytes"
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Resolved is what a reference names in the registry: its manifest digest
// and, per platform, the image manifest and config digests. A config digest
// is what Docker calls the image ID, so it says whether a local image or a
// running container is the one in the registry.
type Resolved struct {
	Reference string `json:"reference"`
	// Digest is the digest of the reference's manifest: the index, for a
	// multi-platform image.
	Digest    string  `json:"digest"`
	MediaType string  `json:"media_type"`
	Images    []Image `json:"images"`
}

// Image is one image manifest of a resolved reference.
type Image struct {
	// Platform is "os/arch[/variant]" as the index gives it; "" for a
	// reference that names an image manifest directly.
	Platform string `json:"platform,omitempty"`
	// Digest is the image manifest's digest.
	Digest string `json:"digest"`
	// Config is the config blob's digest: the image ID.
	Config string `json:"config"`
}

// For returns the image for a platform ("linux/amd64"): the only image of a
// single-platform reference, whatever the platform.
func (r *Resolved) For(platform string) (Image, bool) {
	if len(r.Images) == 1 && r.Images[0].Platform == "" {
		return r.Images[0], true
	}
	want, err := v1.ParsePlatform(platform)
	if err != nil {
		return Image{}, false
	}
	for _, img := range r.Images {
		p, err := v1.ParsePlatform(img.Platform)
		if err == nil && p.Satisfies(*want) {
			return img, true
		}
	}
	return Image{}, false
}

// Resolve fetches ref's manifest and, for an index, its image manifests,
// and returns their digests. Blobs are not fetched: see Verify. A registry
// that could not be asked, or a reference it does not have, gives an
// *Error.
func (c *Client) Resolve(ctx context.Context, ref string) (*Resolved, error) {
	r, err := c.parse(ref)
	if err != nil {
		return nil, err
	}
	s, err := c.session(ctx, r.Context())
	if err != nil {
		return nil, err
	}
	var want *v1.Descriptor
	if d, ok := digestOf(r.Identifier()); ok {
		want = &v1.Descriptor{Digest: d, Size: -1}
	}
	body, m, err := c.fetchManifest(ctx, s, r.Identifier(), want)
	if err := c.usable(s, ref, m, err); err != nil {
		return nil, err
	}
	out := &Resolved{Reference: ref, Digest: m.Digest, MediaType: m.MediaType}
	mt := sniffMediaType(m.MediaType, body)
	if !mt.IsIndex() {
		cfg, err := configOf(body)
		if err != nil {
			return nil, c.newError("resolve "+ref, s, CauseRegistry, 0, err)
		}
		out.Images = []Image{{Digest: m.Digest, Config: cfg}}
		return out, nil
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(body))
	if err != nil {
		return nil, c.newError("resolve "+ref, s, CauseRegistry, 0, fmt.Errorf("the index does not parse: %w", err))
	}
	for _, child := range idx.Manifests {
		if !child.MediaType.IsImage() || child.Platform == nil {
			continue
		}
		body, m, err := c.fetchManifest(ctx, s, child.Digest.String(), &child)
		if err := c.usable(s, ref, m, err); err != nil {
			return nil, err
		}
		cfg, err := configOf(body)
		if err != nil {
			return nil, c.newError("resolve "+ref, s, CauseRegistry, 0, err)
		}
		out.Images = append(out.Images, Image{Platform: child.Platform.String(), Digest: m.Digest, Config: cfg})
	}
	return out, nil
}

// usable turns a manifest fetch that did not give an intact manifest into
// an *Error.
func (c *Client) usable(s *session, ref string, m Manifest, err error) error {
	if err != nil {
		return err
	}
	if m.State != Intact {
		cause := m.Cause
		if cause == "" {
			cause = CauseRegistry
		}
		return &Error{Op: fmt.Sprintf("resolve %s in %s", ref, s.repo.Name()), Cause: cause,
			Detail: fmt.Sprintf("manifest %s %s: %s", m.Digest, m.State, m.Detail)}
	}
	return nil
}

// configOf is the config digest of an image manifest.
func configOf(body []byte) (string, error) {
	man, err := v1.ParseManifest(bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("the manifest does not parse: %w", err)
	}
	return man.Config.Digest.String(), nil
}
