package packages

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
)

// Limits on what is read of an image. Image content is untrusted: a small
// layer can expand to a huge file (a compression or sparse-file bomb), and a
// small database can hold millions of entries. Each limit is far above what
// real images hold; what exceeds one is reported (a Problem naming the file
// and the limit, or an error naming the layer), never skipped in silence.
const (
	// maxDatabaseSize bounds a package database read in memory: dpkg's
	// status, apk's installed (real ones are a few megabytes).
	maxDatabaseSize = 64 << 20
	// maxMetadataSize bounds one package's metadata file: a status.d
	// file, a METADATA or PKG-INFO, a package.json.
	maxMetadataSize = 16 << 20
	// maxRPMDatabaseSize bounds the RPM database copied to a temporary
	// file, the one thing written to disk.
	maxRPMDatabaseSize = 128 << 20
	// maxExecutableScan bounds how much of an executable is read looking
	// for Go build information.
	maxExecutableScan = 1 << 30

	// maxPackagesPerFile and maxProblemsPerFile bound what one file
	// records; past them the file is reported as unreadable.
	maxPackagesPerFile = 1 << 16
	maxProblemsPerFile = 100
	// maxFields bounds the distinct fields of one stanza.
	maxFields = 256

	// maxEntries and maxNameBytes bound what is kept of the entries of
	// all the layers read together (paths, whiteouts, packages).
	maxEntries   = 4 << 20
	maxNameBytes = 256 << 20
	// maxLayers bounds the layers of an image fetched layer by layer
	// (registries, layouts); Docker's own limit is 127.
	maxLayers = 1024
	// maxLayerSize bounds the uncompressed size of one layer.
	maxLayerSize = 64 << 30
	// maxDocBytes bounds the JSON documents (manifests, configs, indexes)
	// kept of an image tarball, all together.
	maxDocBytes = 256 << 20
	// maxZstdWindow bounds the window a zstd layer may ask for.
	maxZstdWindow = 256 << 20
)

// budget is what is left of maxEntries and maxNameBytes for the images one
// read reads: layers read at once share it.
type budget struct {
	entries, bytes       atomic.Int64
	maxEntries, maxBytes int64
}

func newBudget() *budget { return budgetOf(maxEntries, maxNameBytes) }

func budgetOf(entries, bytes int64) *budget {
	b := &budget{maxEntries: entries, maxBytes: bytes}
	b.entries.Store(entries)
	b.bytes.Store(bytes)
	return b
}

// spend takes n entries of size bytes from the budget, or fails when the
// budget is spent.
func (b *budget) spend(n, size int) error {
	if b.entries.Add(-int64(n)) < 0 || b.bytes.Add(-int64(size)) < 0 {
		return fmt.Errorf("the images hold more than %d entries or %d bytes of names and package data, more than postflight reads", b.maxEntries, b.maxBytes)
	}
	return nil
}

// boundedReader ends a layer's stream when the context is done or the
// layer is larger than maxLayerSize, so that skipping over a huge entry
// cannot run on for good.
type boundedReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
}

func bounded(ctx context.Context, r io.Reader) *boundedReader {
	return &boundedReader{ctx: ctx, r: r, left: maxLayerSize}
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, fmt.Errorf("the layer is larger than %d bytes uncompressed", int64(maxLayerSize))
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
