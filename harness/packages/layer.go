package packages

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// layerIndex is what is kept of one layer: the package files it holds, read
// as they streamed by, and what it removes or replaces of the layers under
// it. It does not depend on those layers, so layers can be read in any
// order and a layer two images share is read once.
type layerIndex struct {
	// files are the package files the layer holds, by absolute path.
	files map[string]*record
	// hidden are the paths the layer's whiteouts remove from lower layers.
	hidden []string
	// opaque are directories whose lower layers' content the layer hides.
	opaque []string
	// others are the layer's other non-directory entries: each replaces
	// whatever lower layers had at its path, a directory included.
	others []string
	// dirs are the layer's directories: each replaces a file lower layers
	// had at its path, and merges with a directory.
	dirs []string
}

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// scanLayer reads an uncompressed layer tar once. What it keeps is taken
// from b.
func scanLayer(ctx context.Context, r io.Reader, b *budget) (*layerIndex, error) {
	li := &layerIndex{files: map[string]*record{}}
	tr := tar.NewReader(bounded(ctx, r))
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return li, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		p := cleanPath(hdr.Name)
		if err := b.spend(1, len(p)+16); err != nil { // a path and its string header
			return nil, err
		}
		if li.whiteout(p) {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeXGlobalHeader:
			continue // PAX defaults for the entries that follow, not a file
		case tar.TypeDir:
			delete(li.files, p)
			li.dirs = append(li.dirs, p)
			continue
		case tar.TypeReg, tar.TypeRegA:
			if c := catalogerFor(p, hdr.Mode); c != nil {
				rec, err := readFile(ctx, c, p, hdr.Size, tr)
				if err != nil {
					return nil, err
				}
				if rec != nil {
					if err := b.spend(len(rec.packages)+len(rec.problems), rec.size()); err != nil {
						return nil, err
					}
					li.files[p] = rec
					continue
				}
			}
		case tar.TypeLink:
			if err := li.link(p, cleanPath(hdr.Linkname), b); err != nil {
				return nil, err
			}
			continue
		}
		delete(li.files, p)
		li.others = append(li.others, p)
	}
}

// whiteout records p when its name makes it a whiteout, an opaque marker
// or overlay bookkeeping, as a layer's tar names them, and reports whether
// it did.
func (li *layerIndex) whiteout(p string) bool {
	dir, base := path.Split(p)
	if !strings.HasPrefix(base, whiteoutPrefix) {
		return false
	}
	switch {
	case base == whiteoutOpaque:
		li.opaque = append(li.opaque, path.Clean(dir))
	case strings.HasPrefix(base, whiteoutMeta):
		// AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not files.
	default:
		li.hidden = append(li.hidden, dir+strings.TrimPrefix(base, whiteoutPrefix))
	}
	return true
}

// link records a hard link at p to the file first. A link is a package
// file only where a cataloger reads one: a database linked to elsewhere is
// not read there.
func (li *layerIndex) link(p, first string, b *budget) error {
	if rec, ok := li.files[first]; ok && linkRead(p, rec) {
		rec = rec.at(p)
		if err := b.spend(len(rec.packages)+len(rec.problems), rec.size()); err != nil {
			return err
		}
		li.files[p] = rec
		return nil
	}
	delete(li.files, p)
	li.others = append(li.others, p)
	return nil
}

// readFile reads one package file of the given size, or records that it is
// too large to read.
func readFile(ctx context.Context, c cataloger, p string, size int64, r io.Reader) (*record, error) {
	if limit := c.maxSize(p); limit > 0 && size > limit {
		return tooLarge(c, p, size, limit), nil
	}
	rec, err := c.read(ctx, p, r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return rec, nil
}

// linkRead reports whether a hard link at p to a file that recorded rec is
// read as the same kind of file: a link shares its target's mode, so an
// executable's link is one wherever it is.
func linkRead(p string, rec *record) bool {
	c := catalogerFor(p, 0o755)
	return c != nil && c.ecosystem() == rec.ecosystem
}

// cleanPath makes a tar entry name an absolute, clean path: "./usr/bin/"
// becomes "/usr/bin".
func cleanPath(name string) string {
	return path.Clean("/" + name)
}
