package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxIndexDepth bounds indexes nested in indexes.
const maxIndexDepth = 4

// Verify fetches ref's manifest and, for an index, the manifests of every
// platform (or of the platforms given, as "os/arch[/variant]"), then every
// config and layer blob they name, in parallel, and checks each against
// its digest and size on the way through: nothing is written to disk.
//
// The returned Integrity says what was found; a registry that could not be
// asked makes it inconclusive, not an error. The error is for a reference
// or platform that does not parse.
func (c *Client) Verify(ctx context.Context, ref string, platforms ...string) (*Integrity, error) {
	start := time.Now()
	r, err := c.parse(ref)
	if err != nil {
		return nil, err
	}
	wanted := make([]v1.Platform, 0, len(platforms))
	for _, p := range platforms {
		pl, err := v1.ParsePlatform(p)
		if err != nil {
			return nil, fmt.Errorf("parse platform %q: %w", p, err)
		}
		wanted = append(wanted, *pl)
	}
	in := &Integrity{Reference: ref, Platforms: platforms}
	defer func() {
		in.Duration = time.Since(start)
		in.conclude()
	}()

	s, err := c.session(ctx, r.Context())
	if err != nil {
		if !errors.As(err, &in.fault) {
			in.fault = &Error{Op: "open a session with " + r.Context().Name(), Cause: CauseConnection, Detail: c.redact.error(err)}
		}
		return in, nil
	}
	w := &walk{c: c, s: s, in: in, wanted: wanted, seen: map[string]int{}, found: make([]bool, len(wanted))}
	var top *v1.Descriptor
	if d, ok := digestOf(r.Identifier()); ok {
		top = &v1.Descriptor{Digest: d, Size: -1}
	}
	w.visit(ctx, r.Identifier(), top, 0)
	if len(in.Manifests) > 0 {
		in.Digest = in.Manifests[0].Digest
	}
	if w.index && len(wanted) == 0 && w.runnable == 0 && in.Manifests[0].State == Intact {
		// Every blob it names may be intact, and still a pull finds
		// nothing to run.
		in.Manifests[0].State, in.Manifests[0].Detail = Corrupt, "the index names no image for any platform (no manifest, or only attestations)"
	}
	for i, ok := range w.found {
		if !ok && w.index {
			in.Absent = append(in.Absent, platforms[i])
		}
	}
	c.checkBlobs(ctx, s, in.Blobs)
	for _, b := range in.Blobs {
		in.Received += b.Received
	}
	return in, nil
}

// digestOf parses an identifier that is a digest.
func digestOf(identifier string) (v1.Hash, bool) {
	h, err := v1.NewHash(identifier)
	return h, err == nil
}

// walk gathers the manifests and blobs of one image.
type walk struct {
	c      *Client
	s      *session
	in     *Integrity
	wanted []v1.Platform
	// index says the reference names an index; found says, per wanted
	// platform, that some manifest of the index has it. Platforms are not
	// checked against a reference that names an image manifest.
	index bool
	found []bool
	// seen maps a blob's digest to its index in in.Blobs.
	seen map[string]int
	// runnable counts the top index's manifests for a platform a host can
	// run (one without a platform is read from its config by a pull);
	// attestations say "unknown/unknown".
	runnable int
}

// visit fetches a manifest and what it names: the manifests of an index,
// the config and layers of an image.
func (w *walk) visit(ctx context.Context, identifier string, want *v1.Descriptor, depth int) {
	body, m, _ := w.c.fetchManifest(ctx, w.s, identifier, want)
	w.in.Manifests = append(w.in.Manifests, m)
	if m.State != Intact {
		return
	}
	switch mt := sniffMediaType(m.MediaType, body); {
	case mt.IsIndex():
		idx, err := v1.ParseIndexManifest(bytes.NewReader(body))
		if err != nil {
			w.corrupt(fmt.Sprintf("the index does not parse: %v", err))
			return
		}
		w.index = w.index || depth == 0
		if depth >= maxIndexDepth {
			w.corrupt(fmt.Sprintf("indexes nested deeper than %d", maxIndexDepth))
			return
		}
		for _, child := range idx.Manifests {
			if depth == 0 && !w.selected(child.Platform) {
				continue
			}
			if depth == 0 && (child.Platform == nil || child.Platform.OS != "unknown") {
				w.runnable++
			}
			w.visit(ctx, child.Digest.String(), &child, depth+1)
		}
	default:
		man, err := v1.ParseManifest(bytes.NewReader(body))
		if err != nil {
			w.corrupt(fmt.Sprintf("the manifest does not parse: %v", err))
			return
		}
		w.add(man.Config, "config")
		for _, l := range man.Layers {
			w.add(l, "layer")
		}
	}
}

// selected reports whether a manifest of the top index is to be verified,
// and notes the wanted platforms it has.
func (w *walk) selected(p *v1.Platform) bool {
	if len(w.wanted) == 0 {
		return true
	}
	hit := false
	for i, want := range w.wanted {
		if p != nil && p.Satisfies(want) {
			w.found[i], hit = true, true
		}
	}
	return hit
}

// corrupt marks the manifest just fetched as corrupt.
func (w *walk) corrupt(detail string) {
	m := &w.in.Manifests[len(w.in.Manifests)-1]
	m.State, m.Detail = Corrupt, detail
}

// add lists a blob once, however many manifests name it.
func (w *walk) add(d v1.Descriptor, kind string) {
	key := d.Digest.String()
	if i, ok := w.seen[key]; ok {
		if b := &w.in.Blobs[i]; b.Size != d.Size && b.State != Corrupt {
			// One of the two descriptors cannot match what a pull gets.
			b.State, b.Detail = Corrupt, fmt.Sprintf("the manifests name it with two sizes, %d and %d bytes: a pull checks both", b.Size, d.Size)
		}
		return
	}
	w.seen[key] = len(w.in.Blobs)
	b := Blob{Digest: key, Size: d.Size, MediaType: string(d.MediaType), Kind: kind}
	if !d.MediaType.IsDistributable() {
		b.State, b.Detail = Skipped, "a foreign layer: pulls fetch it from "+urlsOf(d)
	}
	w.in.Blobs = append(w.in.Blobs, b)
}

func urlsOf(d v1.Descriptor) string {
	if len(d.URLs) == 0 {
		return "its own URLs"
	}
	return d.URLs[0]
}

// checkBlobs checks the blobs not yet decided, at most c.parallel at once.
func (c *Client) checkBlobs(ctx context.Context, s *session, blobs []Blob) {
	sem := make(chan struct{}, c.parallel)
	var wg sync.WaitGroup
	for i := range blobs {
		if blobs[i].State != "" {
			continue
		}
		b := &blobs[i]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c.checkBlob(ctx, s, b)
		})
	}
	wg.Wait()
}

// badOnes returns the blobs in a bad state.
func badOnes(blobs []Blob) []Blob {
	return slices.DeleteFunc(slices.Clone(blobs), func(b Blob) bool { return !b.State.Bad() })
}
