package packages

import (
	"strings"
)

// filesystem is the package files of an image as its layers, applied in
// order, leave them: whiteouts remove, opaque directories hide what lower
// layers put in them, and a later file or link at a path replaces what was
// there.
type filesystem struct {
	files map[string]layerFile
	// under counts the files under each directory, so that a whiteout or a
	// replaced directory costs a lookup when no package file is under it.
	under map[string]int
}

// layerFile is a package file and the position of the layer it comes from.
type layerFile struct {
	layer int
	rec   *record
}

func newFilesystem() *filesystem {
	return &filesystem{files: map[string]layerFile{}, under: map[string]int{}}
}

// apply puts layer i on top. Whiteouts and opaque directories act on the
// layers below only; then the layer's own entries are laid down.
func (fs *filesystem) apply(i int, li *layerIndex) {
	for _, p := range li.hidden {
		fs.remove(p)
		fs.removeUnder(p)
	}
	for _, d := range li.opaque {
		fs.removeUnder(d)
	}
	for _, p := range li.others {
		fs.remove(p)
		fs.removeUnder(p)
	}
	for _, d := range li.dirs {
		fs.remove(d)
	}
	for p, rec := range li.files {
		fs.remove(p)
		fs.removeUnder(p)
		fs.files[p] = layerFile{layer: i, rec: rec}
		for d := parent(p); ; d = parent(d) {
			fs.under[d]++
			if d == "/" {
				break
			}
		}
	}
}

func (fs *filesystem) remove(p string) {
	if _, ok := fs.files[p]; !ok {
		return
	}
	delete(fs.files, p)
	for d := parent(p); ; d = parent(d) {
		if fs.under[d]--; fs.under[d] == 0 {
			delete(fs.under, d)
		}
		if d == "/" {
			break
		}
	}
}

// removeUnder removes every file under directory d.
func (fs *filesystem) removeUnder(d string) {
	if fs.under[d] == 0 {
		return
	}
	prefix := d + "/"
	if d == "/" {
		prefix = "/"
	}
	for p := range fs.files {
		if strings.HasPrefix(p, prefix) {
			fs.remove(p)
		}
	}
}

// parent is the directory of an absolute path; the parent of "/" is "/".
func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}
