package packages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// opaqueAttrs are the extended attributes that make a directory of an
// overlay layer opaque: overlay2's (as root, and rootless), and
// fuse-overlayfs's own.
var opaqueAttrs = []string{"trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque"}

// scanLayerDir reads one layer directory of an overlay storage driver into
// what scanLayer makes of the layer's tar: the package files, the entries
// the layer puts down, and what its whiteouts (a character device 0/0, or a
// .wh. file) and opaque directories (an attribute, or a .wh..wh..opq file)
// hide of the layers under it. Every entry is looked at, but only the files
// a cataloger reads are opened, and only what it reads of them is read.
// Files are opened through an os.Root: no symlink leads out of the layer.
//
// Entries are walked in lexical order, as Docker's archiver walks a
// directory, and hard links are told apart as a layer's tar tells them: the
// first path of an inode is the file, the others links to it. (A layer
// pulled or loaded keeps the order of its own tar; where that differs, a
// file linked at two paths that different catalogers read can be read at
// the other path.)
func scanLayerDir(ctx context.Context, dir string, b *budget) (*layerIndex, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	li := &layerIndex{files: map[string]*record{}}
	firstLink := map[uint64]string{} // by inode, for files of several links
	walk := func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		p := "/" + rel
		if err := b.spend(1, len(p)+16); err != nil {
			return err
		}
		if li.whiteout(p) {
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			li.dirs = append(li.dirs, p)
			opaque, err := isOpaque(filepath.Join(dir, rel))
			if err != nil {
				return err
			}
			if opaque {
				li.opaque = append(li.opaque, p)
			}
			return nil
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
				if first, ok := firstLink[st.Ino]; ok {
					return li.link(p, first, b)
				}
				firstLink[st.Ino] = p
			}
			if c := catalogerFor(p, int64(fi.Mode().Perm())); c != nil {
				rec, err := readLayerFile(ctx, root, rel, c, p)
				if err != nil {
					return err
				}
				if rec != nil {
					if err := b.spend(len(rec.packages)+len(rec.problems), rec.size()); err != nil {
						return err
					}
					li.files[p] = rec
					return nil
				}
			}
		case t&fs.ModeCharDevice != 0:
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Rdev == 0 {
				li.hidden = append(li.hidden, p)
				return nil
			}
		}
		li.others = append(li.others, p)
		return nil
	}
	if err := fs.WalkDir(root.FS(), ".", walk); err != nil {
		return nil, err
	}
	return li, nil
}

// readLayerFile reads the package file at rel in a layer directory. It is
// opened without following a symlink, and read as a section of its size:
// what a cataloger skips (most of an executable) is seeked over, not read.
func readLayerFile(ctx context.Context, root *os.Root, rel string, c cataloger, p string) (*record, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s changed while it was read: it is no longer a regular file", p)
	}
	return readFile(ctx, c, p, fi.Size(), io.NewSectionReader(f, 0, fi.Size()))
}

// isOpaque reports whether the directory at p carries an attribute that
// makes it opaque. p is a directory of a layer just walked, which no one
// writes to.
func isOpaque(p string) (bool, error) {
	var names [1024]byte
	n, err := unix.Llistxattr(p, names[:])
	switch {
	case errors.Is(err, unix.ENOTSUP):
		return false, nil
	case errors.Is(err, unix.ERANGE):
		// More attributes than fit: ask for each.
		for _, a := range opaqueAttrs {
			if ok, err := opaqueAttr(p, a); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case err != nil:
		return false, fmt.Errorf("list the attributes of %s: %w", p, err)
	}
	for _, name := range bytes.Split(names[:n], []byte{0}) {
		for _, a := range opaqueAttrs {
			if string(name) == a {
				if ok, err := opaqueAttr(p, a); ok || err != nil {
					return ok, err
				}
			}
		}
	}
	return false, nil
}

// opaqueAttr reports whether attribute a of p is "y".
func opaqueAttr(p, a string) (bool, error) {
	var v [2]byte
	n, err := unix.Lgetxattr(p, a, v[:])
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ERANGE), errors.Is(err, unix.ENOTSUP):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read attribute %s of %s: %w", a, p, err)
	}
	return n == 1 && v[0] == 'y', nil
}
