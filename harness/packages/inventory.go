package packages

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Inventory is the packages installed in one image.
type Inventory struct {
	Image    Image     `json:"image"`
	Packages []Package `json:"packages"`
	// Problems are the entries and files that could not be read.
	Problems []Problem `json:"problems,omitempty"`

	// unreadable are the files none of whose packages is known.
	unreadable map[string]bool
}

// Read lists the packages of the image ref names (see ParseReference).
func Read(ctx context.Context, ref string, opts ...Option) (*Inventory, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	rd := newReader(opts)
	defer rd.close()
	invs, err := rd.read(ctx, []Reference{r})
	if err != nil {
		return nil, err
	}
	return invs[0], nil
}

// newInventory applies an image's layers, bottom first, and lists the
// packages of the files they leave.
func newInventory(img Image, layers []*layerIndex) *Inventory {
	fs := newFilesystem()
	for i, l := range layers {
		fs.apply(i, l)
	}
	// rpm reads one database; an image that holds several (a converted
	// one) lists its packages in the one rpm would open.
	for i, db := range rpmDatabases {
		if _, ok := fs.files[db]; ok {
			for _, other := range rpmDatabases[i+1:] {
				fs.remove(other)
			}
			break
		}
	}
	inv := &Inventory{Image: img, Packages: []Package{}, unreadable: map[string]bool{}}
	paths := make([]string, 0, len(fs.files))
	for p := range fs.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	type id struct {
		key           key
		version, arch string
	}
	merged := map[id]int{}
	for _, p := range paths {
		f := fs.files[p]
		for _, pkg := range f.rec.packages {
			k := id{pkg.key(), pkg.Version, pkg.Arch}
			if i, ok := merged[k]; ok {
				inv.Packages[i].Locations = append(inv.Packages[i].Locations, pkg.Locations...)
				continue
			}
			pkg.Locations = slices.Clone(pkg.Locations)
			merged[k] = len(inv.Packages)
			inv.Packages = append(inv.Packages, pkg)
		}
		for _, pr := range f.rec.problems {
			pr.Image = img.Ref
			if f.layer < len(img.Layers) {
				pr.Layer = img.Layers[f.layer]
			}
			if pr.whole {
				inv.unreadable[p] = true
			}
			inv.Problems = append(inv.Problems, pr)
		}
	}
	slices.SortFunc(inv.Packages, comparePackages)
	inv.Problems = append(inv.Problems, contradictions(img, inv.Packages)...)
	slices.SortFunc(inv.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Package, b.Package))
	})
	return inv
}

// oneVersion are the ecosystems that install a package at one version
// per architecture (dpkg, apk) or per directory (Python's site-packages).
// rpm keeps several kernels, node_modules and Go executables nest other
// versions.
var oneVersion = map[Ecosystem]bool{Deb: true, APK: true, PyPI: true}

// scope is where a package can be installed once: a Python distribution's
// site-packages directory; the whole image for the others.
func scope(p Package) string {
	if p.Ecosystem != PyPI || len(p.Locations) == 0 {
		return ""
	}
	dir := p.Locations[0]
	for dir != "/" && dir != "." {
		if b := path.Base(dir); b == "site-packages" || b == "dist-packages" {
			return dir
		}
		dir = path.Dir(dir)
	}
	return ""
}

// contradictions are the packages of pkgs that a one-version database
// lists at several versions in one scope and architecture: which is installed
// cannot be told, so the package is a problem, not a change.
func contradictions(img Image, pkgs []Package) []Problem {
	type id struct {
		key         key
		arch, scope string
	}
	var order []id
	byID := map[id][]Package{}
	for _, p := range pkgs {
		if !oneVersion[p.Ecosystem] {
			continue
		}
		k := id{p.key(), p.Arch, scope(p)}
		if _, ok := byID[k]; !ok {
			order = append(order, k)
		}
		byID[k] = append(byID[k], p)
	}
	var out []Problem
	for _, k := range order {
		same := byID[k]
		if len(same) < 2 {
			continue
		}
		where := "for " + cmp.Or(k.arch, "one architecture")
		if k.scope != "" {
			where = "in " + k.scope
		}
		var versions, files []string
		for _, p := range same {
			versions = append(versions, p.Version)
			for _, l := range p.Locations {
				if !slices.Contains(files, l) {
					files = append(files, l)
				}
			}
		}
		out = append(out, Problem{Image: img.Ref, File: strings.Join(files, ", "), Ecosystem: same[0].Ecosystem, Package: same[0].Name,
			Message: fmt.Sprintf("installed at %d versions %s (%s): the database contradicts itself, so which one is installed cannot be told",
				len(same), where, strings.Join(versions, ", "))})
	}
	return out
}
