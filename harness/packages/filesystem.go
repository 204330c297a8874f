package packages

import "strings"

// filesystem is the package files of an image as its layers, applied in
// order, leave them: whiteouts remove, opaque directories hide what lower
// layers put in them, and a later file or link at a path replaces what was
// there.
type filesystem struct {
	files map[string]layerFile
	// children are the entries right under each directory that has a
	// package file somewhere below it, so that removing a directory costs
	// what is under it, and a whiteout with nothing under it a lookup:
	// a hostile image of many files and many whiteouts stays linear.
	children map[string]map[string]struct{}
	// visited counts the entries removeUnder walked, the work whiteouts
	// cost.
	visited int
}

// layerFile is a package file and the position of the layer it comes from.
type layerFile struct {
	layer int
	rec   *record
}

func newFilesystem() *filesystem {
	return &filesystem{files: map[string]layerFile{}, children: map[string]map[string]struct{}{}}
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
		fs.link(p)
	}
}

// link records p under its parents, up to the first that has it already.
func (fs *filesystem) link(p string) {
	for p != "/" {
		d := parent(p)
		kids, ok := fs.children[d]
		if !ok {
			kids = map[string]struct{}{}
			fs.children[d] = kids
		}
		kids[p] = struct{}{}
		if ok {
			return
		}
		p = d
	}
}

// unlink removes p from its parent, and each parent left empty from its
// own.
func (fs *filesystem) unlink(p string) {
	for p != "/" {
		d := parent(p)
		kids := fs.children[d]
		delete(kids, p)
		if len(kids) > 0 {
			return
		}
		delete(fs.children, d)
		p = d
	}
}

func (fs *filesystem) remove(p string) {
	if _, ok := fs.files[p]; !ok {
		return
	}
	delete(fs.files, p)
	fs.unlink(p)
}

// removeUnder removes every file under directory d.
func (fs *filesystem) removeUnder(d string) {
	if _, ok := fs.children[d]; !ok {
		return
	}
	var under []string
	stack := []string{d}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for k := range fs.children[n] {
			fs.visited++
			if _, ok := fs.files[k]; ok {
				under = append(under, k)
			}
			if _, ok := fs.children[k]; ok {
				stack = append(stack, k)
			}
		}
	}
	for _, p := range under {
		fs.remove(p)
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
