package packages

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
)

// reader reads images and shares the work between them: a layer two
// images share is read once.
type reader struct {
	o       *options
	closers []func() error
	budget  *budget

	mu     sync.Mutex
	layers map[string]*sharedLayer // by blob digest or layer directory
}

// sharedLayer is a layer being read or read, for every image that has it.
type sharedLayer struct {
	done  chan struct{}
	index *layerIndex
	err   error
}

func newReader(opts []Option) *reader {
	return &reader{o: newOptions(opts), layers: map[string]*sharedLayer{}, budget: newBudget()}
}

func (rd *reader) close() {
	for _, c := range rd.closers {
		c()
	}
}

// read reads the images refs name, in order. Images in the daemon are read
// first, together: from its layer store, or out of one docker save.
func (rd *reader) read(ctx context.Context, refs []Reference) ([]*Inventory, error) {
	invs := make([]*Inventory, len(refs))
	var daemon []int
	for i, r := range refs {
		if r.Transport == Daemon {
			daemon = append(daemon, i)
		}
	}
	if len(daemon) > 0 {
		drefs := make([]Reference, len(daemon))
		for j, i := range daemon {
			drefs[j] = refs[i]
		}
		dinvs, err := rd.readDaemon(ctx, drefs)
		if err != nil {
			return nil, err
		}
		for j, i := range daemon {
			invs[i] = dinvs[j]
		}
	}
	for i, r := range refs {
		var err error
		switch r.Transport {
		case Daemon:
			continue
		case Registry:
			var img v1.Image
			if img, err = rd.remoteImage(ctx, r); err == nil {
				invs[i], err = rd.readImage(ctx, r, img, false)
			}
		case OCILayout:
			var img v1.Image
			if img, err = rd.layoutImage(r); err == nil {
				invs[i], err = rd.readImage(ctx, r, img, true)
			}
		case DockerArchive, OCIArchive:
			invs[i], err = rd.readArchive(ctx, r)
		default:
			err = fmt.Errorf("unknown transport %q", r.Transport)
		}
		if err != nil {
			return nil, fmt.Errorf("read image %s: %w", r, err)
		}
	}
	return invs, nil
}

// readArchive reads a tarball of images, plain or compressed, in one pass.
func (rd *reader) readArchive(ctx context.Context, r Reference) (*Inventory, error) {
	p, sel := r.pathAndSelector()
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in, err := uncompress(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, err
	}
	defer in.Close()
	t, err := readImageTar(ctx, in, true, rd.budget)
	if err != nil {
		return nil, err
	}
	img, layers, err := t.image(r.String(), imageSelector{tag: sel}, rd.o.platform)
	if err != nil {
		return nil, err
	}
	return newInventory(img, layers), nil
}

// readImage reads an image whose layers can be fetched one by one
// (registries, layouts), several at once. verify checks each blob against
// its digest, for sources that do not.
func (rd *reader) readImage(ctx context.Context, r Reference, img v1.Image, verify bool) (*Inventory, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if len(layers) > maxLayers {
		return nil, fmt.Errorf("the manifest lists %d layers, more than the %d postflight reads", len(layers), maxLayers)
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		return nil, fmt.Errorf("the manifest lists %d layers, the config %d", len(layers), len(cf.RootFS.DiffIDs))
	}
	im := Image{Ref: r.String(), ID: id.String(), Digest: digest.String(), Layers: make([]string, len(layers))}
	indexes := make([]*layerIndex, len(layers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(rd.o.jobs)
	for i, l := range layers {
		im.Layers[i] = cf.RootFS.DiffIDs[i].String()
		g.Go(func() error {
			d, err := l.Digest()
			if err != nil {
				return fmt.Errorf("layer %d/%d: %w", i+1, len(layers), err)
			}
			idx, err := rd.shared(gctx, d.String(), func() (*layerIndex, error) {
				return scanV1Layer(gctx, l, d, verify, rd.budget)
			})
			if err != nil {
				return fmt.Errorf("layer %d/%d %s: %w", i+1, len(layers), shortDigest(d.String()), err)
			}
			indexes[i] = idx
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return newInventory(im, indexes), nil
}

// shared reads a layer once for all the images that have it: key names
// it (a blob digest, a layer directory).
func (rd *reader) shared(ctx context.Context, key string, read func() (*layerIndex, error)) (*layerIndex, error) {
	rd.mu.Lock()
	s, ok := rd.layers[key]
	if !ok {
		s = &sharedLayer{done: make(chan struct{})}
		rd.layers[key] = s
	}
	rd.mu.Unlock()
	if ok {
		select {
		case <-s.done:
			return s.index, s.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer close(s.done)
	s.index, s.err = read()
	return s.index, s.err
}

// scanV1Layer streams a layer blob through decompression and the scanner.
func scanV1Layer(ctx context.Context, l v1.Layer, digest v1.Hash, verify bool, b *budget) (*layerIndex, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer rc.Close()
	var in io.Reader = rc
	var h hash.Hash
	if verify {
		h = sha256.New()
		in = io.TeeReader(rc, h)
	}
	ur, err := uncompress(in)
	if err != nil {
		return nil, err
	}
	defer ur.Close()
	idx, err := scanLayer(ctx, ur, b)
	if err != nil {
		return nil, err
	}
	// Read to the end, so that checksums and digests are checked.
	if _, err := io.Copy(io.Discard, bounded(ctx, ur)); err != nil {
		return nil, fmt.Errorf("read past the end of the tar: %w", err)
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		return nil, err
	}
	if verify {
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != digest.String() {
			return nil, fmt.Errorf("corrupt: its content has digest %s", shortDigest(got))
		}
	}
	return idx, nil
}
