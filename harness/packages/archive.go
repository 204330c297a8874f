package packages

import (
	"archive/tar"
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// imageTar is a tar stream of images, read once: `docker save` output (the
// legacy layout, or the OCI layout Docker 25 and later write) or an OCI image
// layout in a tar. Layers are scanned as they stream by and small JSON
// documents kept; the images are resolved at the end, because `docker save`
// writes its manifest last.
type imageTar struct {
	layers map[string]*tarLayer
	docs   map[string][]byte
	links  map[string]string
}

// tarLayer is a layer found in an image tarball.
type tarLayer struct {
	index *layerIndex
	// digest is the sha256 of the entry as stored (a compressed blob's
	// digest, or the diff ID of an uncompressed layer.tar); diffID that of
	// its uncompressed content. Both are computed only when verifying.
	digest, diffID string
}

// maxDoc bounds the JSON documents kept: manifests, configs, indexes.
const maxDoc = 16 << 20

// readImageTar reads a tar stream of images. verify computes the digests of
// the layers, to check them against the manifests.
func readImageTar(ctx context.Context, r io.Reader, verify bool, b *budget) (*imageTar, error) {
	t := &imageTar{layers: map[string]*tarLayer{}, docs: map[string][]byte{}, links: map[string]string{}}
	tr := tar.NewReader(r)
	br := bufio.NewReaderSize(nil, 64<<10)
	docBytes := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		switch hdr.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			if err := b.spend(1, len(name)+len(hdr.Linkname)); err != nil {
				return nil, err
			}
		}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			t.links[name] = strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(name), hdr.Linkname)), "/")
			continue
		case tar.TypeLink:
			t.links[name] = strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/")
			continue
		case tar.TypeReg, tar.TypeRegA:
		default:
			continue
		}
		br.Reset(tr)
		head, _ := br.Peek(512)
		switch {
		case looksLikeLayer(head):
			l, err := scanBlob(ctx, br, verify, b)
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", name, err)
			}
			t.layers[name] = l
		case isDoc(name, hdr.Size, head):
			if hdr.Size > maxDoc {
				return nil, fmt.Errorf("%s is %d bytes, larger than the %d bytes postflight reads of a manifest, config or index", name, hdr.Size, maxDoc)
			}
			if docBytes += int(hdr.Size); docBytes > maxDocBytes {
				return nil, fmt.Errorf("its manifests, configs and indexes are more than %d bytes, more than postflight reads", maxDocBytes)
			}
			doc, err := io.ReadAll(br)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t.docs[name] = doc
		}
	}
	if len(t.docs) == 0 && len(t.layers) == 0 {
		return nil, fmt.Errorf("not an image tarball: it holds no manifest and no layer")
	}
	return t, nil
}

// isDoc tells the JSON documents of an image tarball (manifests, configs,
// indexes) by their start.
func isDoc(name string, size int64, head []byte) bool {
	if name == "manifest.json" || name == "index.json" {
		return true
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	return size <= maxDoc && len(head) > 0 && head[0] == '{'
}

// scanBlob scans one layer blob, compressed or not.
func scanBlob(ctx context.Context, r *bufio.Reader, verify bool, b *budget) (*tarLayer, error) {
	l := &tarLayer{}
	magic, _ := r.Peek(4)
	compressed := bytes.HasPrefix(magic, gzipMagic) || bytes.HasPrefix(magic, zstdMagic)
	var raw, plain hash.Hash
	var in io.Reader = r
	if verify && compressed {
		raw = sha256.New()
		in = io.TeeReader(r, raw)
	}
	ur, err := uncompress(in)
	if err != nil {
		return nil, err
	}
	defer ur.Close()
	var content io.Reader = ur
	if verify {
		plain = sha256.New()
		content = io.TeeReader(ur, plain)
	}
	if l.index, err = scanLayer(ctx, content, b); err != nil {
		return nil, err
	}
	// Read what follows the end-of-archive marker, so that the digests
	// cover the whole blob and a compressed stream's checksum is checked.
	if _, err := io.Copy(io.Discard, bounded(ctx, content)); err != nil {
		return nil, fmt.Errorf("read past the end of the tar: %w", err)
	}
	if verify {
		l.diffID = "sha256:" + hex.EncodeToString(plain.Sum(nil))
		l.digest = l.diffID
		if compressed {
			if _, err := io.Copy(io.Discard, in); err != nil {
				return nil, err
			}
			l.digest = "sha256:" + hex.EncodeToString(raw.Sum(nil))
		}
	}
	return l, nil
}

// resolve follows the links of an entry name (Docker 25 writes the legacy
// NAME/layer.tar entries as links to OCI blobs).
func (t *imageTar) resolve(name string) string {
	for range 16 {
		target, ok := t.links[name]
		if !ok {
			break
		}
		name = target
	}
	return name
}

// dockerManifestEntry is one image of a `docker save` manifest.json.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// imageSelector picks one image out of a tarball or layout.
type imageSelector struct {
	// tag is a NAME:TAG given in the reference.
	tag string
	// diffIDs, when set, picks the image with these layers (an image in
	// the daemon, whose docker save output is matched to its inspect).
	diffIDs []string
}

// image returns the identity and the layers, bottom first, of the image
// the selector picks.
func (t *imageTar) image(ref string, sel imageSelector, platform v1.Platform) (Image, []*layerIndex, error) {
	if doc, ok := t.docs["manifest.json"]; ok {
		return t.dockerImage(ref, doc, sel)
	}
	if doc, ok := t.docs["index.json"]; ok {
		return t.ociImage(ref, doc, sel, platform)
	}
	return Image{}, nil, fmt.Errorf("not an image tarball: no manifest.json (docker save) and no index.json (OCI layout)")
}

func (t *imageTar) dockerImage(ref string, doc []byte, sel imageSelector) (Image, []*layerIndex, error) {
	var entries []dockerManifestEntry
	if err := json.Unmarshal(doc, &entries); err != nil {
		return Image{}, nil, fmt.Errorf("manifest.json: %w", err)
	}
	type candidate struct {
		entry   dockerManifestEntry
		config  []byte
		diffIDs []string
	}
	var all []candidate
	for _, e := range entries {
		cfg, ok := t.docs[t.resolve(e.Config)]
		if !ok {
			return Image{}, nil, fmt.Errorf("manifest.json names config %s, which the tarball lacks", e.Config)
		}
		var cf v1.ConfigFile
		if err := json.Unmarshal(cfg, &cf); err != nil {
			return Image{}, nil, fmt.Errorf("config %s: %w", e.Config, err)
		}
		ids := make([]string, len(cf.RootFS.DiffIDs))
		for i, d := range cf.RootFS.DiffIDs {
			ids[i] = d.String()
		}
		all = append(all, candidate{e, cfg, ids})
	}
	var picked []candidate
	for _, c := range all {
		switch {
		case sel.diffIDs != nil:
			if slices.Equal(c.diffIDs, sel.diffIDs) {
				picked = append(picked, c)
			}
		case sel.tag != "":
			if slices.ContainsFunc(c.entry.RepoTags, func(tag string) bool { return sameTag(tag, sel.tag) }) {
				picked = append(picked, c)
			}
		default:
			picked = append(picked, c)
		}
	}
	if len(picked) == 0 {
		return Image{}, nil, fmt.Errorf("no image %s in it (it holds %s)", sel, dockerTags(all, func(c candidate) []string { return c.entry.RepoTags }))
	}
	if len(picked) > 1 && sel.diffIDs == nil {
		return Image{}, nil, fmt.Errorf("it holds %d images (%s): pick one with %s:NAME:TAG", len(picked), dockerTags(picked, func(c candidate) []string { return c.entry.RepoTags }), ref)
	}
	c := picked[0]
	if len(c.entry.Layers) != len(c.diffIDs) {
		return Image{}, nil, fmt.Errorf("manifest.json lists %d layers, the config %d", len(c.entry.Layers), len(c.diffIDs))
	}
	img := Image{Ref: ref, ID: digestOf(c.config), Layers: c.diffIDs}
	layers := make([]*layerIndex, len(c.entry.Layers))
	for i, name := range c.entry.Layers {
		l, ok := t.layers[t.resolve(name)]
		if !ok {
			return Image{}, nil, fmt.Errorf("layer %d/%d %s (%s) is missing or not a tar", i+1, len(layers), shortDigest(c.diffIDs[i]), name)
		}
		if l.diffID != "" && l.diffID != c.diffIDs[i] {
			return Image{}, nil, fmt.Errorf("layer %d/%d %s (%s) is corrupt: its content has digest %s", i+1, len(layers), shortDigest(c.diffIDs[i]), name, shortDigest(l.diffID))
		}
		layers[i] = l.index
	}
	return img, layers, nil
}

func (t *imageTar) ociImage(ref string, doc []byte, sel imageSelector, platform v1.Platform) (Image, []*layerIndex, error) {
	blob := func(d v1.Hash) ([]byte, error) {
		b, ok := t.docs[t.resolve(path.Join("blobs", d.Algorithm, d.Hex))]
		if !ok {
			return nil, fmt.Errorf("blob %s is missing", d)
		}
		return b, nil
	}
	desc, _, err := pickManifest(doc, sel, platform, blob)
	if err != nil {
		return Image{}, nil, err
	}
	raw, err := blob(desc.Digest)
	if err != nil {
		return Image{}, nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Image{}, nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	cfg, err := blob(m.Config.Digest)
	if err != nil {
		return Image{}, nil, err
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(cfg, &cf); err != nil {
		return Image{}, nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return Image{}, nil, fmt.Errorf("manifest %s lists %d layers, its config %d", desc.Digest, len(m.Layers), len(cf.RootFS.DiffIDs))
	}
	img := Image{Ref: ref, ID: m.Config.Digest.String(), Digest: desc.Digest.String()}
	layers := make([]*layerIndex, len(m.Layers))
	for i, ld := range m.Layers {
		img.Layers = append(img.Layers, cf.RootFS.DiffIDs[i].String())
		l, ok := t.layers[t.resolve(path.Join("blobs", ld.Digest.Algorithm, ld.Digest.Hex))]
		if !ok {
			return Image{}, nil, fmt.Errorf("layer %d/%d %s is missing or not a tar", i+1, len(layers), shortDigest(ld.Digest.String()))
		}
		if l.digest != "" && l.digest != ld.Digest.String() {
			return Image{}, nil, fmt.Errorf("layer %d/%d %s is corrupt: its content has digest %s", i+1, len(layers), shortDigest(ld.Digest.String()), shortDigest(l.digest))
		}
		layers[i] = l.index
	}
	return img, layers, nil
}

// pickManifest picks the image manifest the selector names out of an OCI
// index, descending into a nested index (a multi-platform image) by
// platform; parent is then the nested index's descriptor.
func pickManifest(doc []byte, sel imageSelector, platform v1.Platform, blob func(v1.Hash) ([]byte, error)) (desc v1.Descriptor, parent *v1.Descriptor, err error) {
	var idx v1.IndexManifest
	if err := json.Unmarshal(doc, &idx); err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("index: %w", err)
	}
	var picked []v1.Descriptor
	for _, d := range idx.Manifests {
		if sel.tag == "" || sameTag(d.Annotations["org.opencontainers.image.ref.name"], sel.tag) || sameTag(d.Annotations["io.containerd.image.name"], sel.tag) {
			picked = append(picked, d)
		}
	}
	names := func(ds []v1.Descriptor) string {
		var s []string
		for _, d := range ds {
			n := cmp.Or(d.Annotations["io.containerd.image.name"], d.Annotations["org.opencontainers.image.ref.name"], d.Digest.String())
			s = append(s, n)
		}
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, ", ")
	}
	if len(picked) == 0 {
		return v1.Descriptor{}, nil, fmt.Errorf("no image %s in it (it holds %s)", sel, names(idx.Manifests))
	}
	if len(picked) > 1 {
		// The manifests of one multi-platform image, listed directly.
		var forPlatform []v1.Descriptor
		for _, d := range picked {
			if d.Platform != nil && d.Platform.Satisfies(platform) && d.MediaType.IsImage() {
				forPlatform = append(forPlatform, d)
			}
		}
		if len(forPlatform) == 1 {
			return forPlatform[0], nil, nil
		}
		if ps := platforms(picked); len(ps) == len(picked) && len(forPlatform) == 0 {
			return v1.Descriptor{}, nil, fmt.Errorf("it has no %s image (it has %s)", platform, strings.Join(ps, ", "))
		}
		return v1.Descriptor{}, nil, fmt.Errorf("it holds %d images (%s): pick one with :NAME:TAG after the path", len(picked), names(picked))
	}
	d := picked[0]
	if !d.MediaType.IsIndex() {
		if d.Platform != nil && !d.Platform.Satisfies(platform) {
			return v1.Descriptor{}, nil, fmt.Errorf("image %s is for %s, not %s", d.Digest, d.Platform, platform)
		}
		return d, nil, nil
	}
	raw, err := blob(d.Digest)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	var nested v1.IndexManifest
	if err := json.Unmarshal(raw, &nested); err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("index %s: %w", d.Digest, err)
	}
	for _, m := range nested.Manifests {
		if m.Platform != nil && m.Platform.Satisfies(platform) && m.MediaType.IsImage() {
			return m, &d, nil
		}
	}
	return v1.Descriptor{}, nil, fmt.Errorf("image %s has no %s image (it has %s)", d.Digest, platform, strings.Join(platforms(nested.Manifests), ", "))
}

// platforms lists the platforms of the descriptors that name one.
func platforms(ds []v1.Descriptor) []string {
	var out []string
	for _, d := range ds {
		if d.Platform != nil {
			out = append(out, d.Platform.String())
		}
	}
	return out
}

func (s imageSelector) String() string {
	if s.tag != "" {
		return s.tag
	}
	return "with layers " + strings.Join(s.diffIDs, ", ")
}

// sameTag compares image names the way docker does: "app" is
// "docker.io/library/app:latest".
func sameTag(a, b string) bool {
	return a != "" && b != "" && normalizeTag(a) == normalizeTag(b)
}

func normalizeTag(s string) string {
	if ref, err := name.ParseReference(s); err == nil {
		return ref.Name()
	}
	return s
}

func dockerTags[T any](cs []T, tags func(T) []string) string {
	var all []string
	for _, c := range cs {
		t := tags(c)
		if len(t) == 0 {
			t = []string{"<untagged>"}
		}
		all = append(all, t...)
	}
	return strings.Join(all, ", ")
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
