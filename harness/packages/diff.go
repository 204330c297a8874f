package packages

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// ChangeKind is how a package differs between the old and the new image.
type ChangeKind string

// Kinds of change.
const (
	Added      ChangeKind = "added"
	Removed    ChangeKind = "removed"
	Upgraded   ChangeKind = "upgraded"
	Downgraded ChangeKind = "downgraded"
	// Changed is a version that changed but cannot be ordered: a version
	// its ecosystem's rules do not parse, the same version written
	// differently, or another architecture.
	Changed ChangeKind = "changed"
)

var kindOrder = []ChangeKind{Added, Removed, Upgraded, Downgraded, Changed}

// Change is one package that differs between the images.
type Change struct {
	Ecosystem Ecosystem  `json:"ecosystem"`
	Name      string     `json:"name"`
	Kind      ChangeKind `json:"change"`
	// Old and New are the versions exactly as recorded; Old is empty for
	// an added package, New for a removed one.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Arch is the architecture, for the ecosystems that record one; both
	// when it changed ("amd64 -> all").
	Arch string `json:"arch,omitempty"`
	// Major is set when an upgrade or downgrade changes the major version
	// (the epoch or the first number of the release).
	Major bool `json:"major,omitempty"`
	// Note says why a change is Changed rather than ordered.
	Note string `json:"note,omitempty"`
	// Locations are where the new version is recorded (the old one, for a
	// removal).
	Locations []string `json:"locations,omitempty"`
}

func (c Change) String() string {
	old, new := c.Old, c.New
	if old == "" {
		old = "(none)"
	}
	if new == "" {
		new = "(none)"
	}
	return fmt.Sprintf("%s %s %s -> %s", c.Ecosystem, c.Name, old, new)
}

// Diff is the difference between the packages of two images.
type Diff struct {
	Old Image `json:"old"`
	New Image `json:"new"`
	// Changes are sorted by ecosystem, then package name.
	Changes []Change `json:"changes"`
	// Unchanged counts the packages both images have at the same version.
	Unchanged int `json:"unchanged"`
	// Problems are what could not be read in either image; the packages
	// they name are left out of Changes.
	Problems []Problem `json:"problems,omitempty"`
}

// Compare reads two images (see ParseReference) and returns how their
// packages differ. Work is shared: a layer both images have is read once,
// and two images in the local daemon are read from its layer store, or
// come out of one docker save (see Image.Read). An image
// that cannot be read is an error; entries that cannot be read are
// Problems in the Diff.
func Compare(ctx context.Context, oldRef, newRef string, opts ...Option) (*Diff, error) {
	var refs [2]Reference
	for i, s := range []string{oldRef, newRef} {
		r, err := ParseReference(s)
		if err != nil {
			return nil, err
		}
		refs[i] = r
	}
	rd := newReader(opts)
	defer rd.close()
	invs, err := rd.read(ctx, refs[:])
	if err != nil {
		return nil, err
	}
	return DiffInventories(invs[0], invs[1]), nil
}

// DiffInventories compares the packages of two images.
func DiffInventories(old, new *Inventory) *Diff {
	d := &Diff{Old: old.Image, New: new.Image, Changes: []Change{}}
	d.Problems = append(slices.Clone(old.Problems), new.Problems...)
	unknown := map[key]bool{}
	for _, p := range d.Problems {
		if p.Package != "" {
			unknown[key{p.Ecosystem, normalizeName(p.Ecosystem, p.Package)}] = true
		}
	}
	group := func(inv *Inventory, other *Inventory) map[key][]Package {
		m := map[key][]Package{}
		for _, p := range inv.Packages {
			k := p.key()
			m[k] = append(m[k], p)
			for _, l := range p.Locations {
				if unreadableIn(other, p.Ecosystem, l) {
					unknown[k] = true
				}
			}
		}
		return m
	}
	olds, news := group(old, new), group(new, old)
	keys := map[key]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for k := range keys {
		if unknown[k] {
			continue
		}
		changes, same := diffVersions(k.Ecosystem, olds[k], news[k])
		d.Changes = append(d.Changes, changes...)
		d.Unchanged += same
	}
	slices.SortFunc(d.Changes, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(a.Ecosystem.rank(), b.Ecosystem.rank()),
			cmp.Compare(normalizeName(a.Ecosystem, a.Name), normalizeName(b.Ecosystem, b.Name)),
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.Old, b.Old),
			cmp.Compare(a.New, b.New),
			cmp.Compare(a.Arch, b.Arch),
		)
	})
	return d
}

// unreadableIn reports whether the file at location could not be read in
// inv. The rpm database counts as one file wherever it lies: an image has
// one, and its path changed between distribution releases.
func unreadableIn(inv *Inventory, e Ecosystem, location string) bool {
	if inv.unreadable[location] {
		return true
	}
	if e == RPM {
		for _, db := range rpmDatabases {
			if inv.unreadable[db] {
				return true
			}
		}
	}
	return false
}

// diffVersions compares the versions one package has in each image. A
// package can have several (node_modules nests copies at other versions, Go
// executables embed other versions of a module, rpm keeps several
// kernels): identical ones cancel out, the rest pair up by architecture
// and then highest with highest; what is left over was added or removed.
func diffVersions(e Ecosystem, olds, news []Package) ([]Change, int) {
	news = slices.Clone(news)
	var left []Package
	same := 0
	for _, o := range olds {
		i := slices.IndexFunc(news, func(n Package) bool { return n.Version == o.Version && n.Arch == o.Arch })
		if i < 0 {
			left = append(left, o)
			continue
		}
		news = slices.Delete(news, i, i+1)
		same++
	}
	order := func(a, b Package) int {
		if c, err := compareVersions(e, a.Name, a.Version, b.Version); err == nil && c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(a.Arch, b.Arch))
	}
	// Highest first: the newest copy is the one that moved, older ones
	// are the leftovers.
	slices.SortFunc(left, func(a, b Package) int { return order(b, a) })
	slices.SortFunc(news, func(a, b Package) int { return order(b, a) })
	var changes []Change
	used := make([]bool, len(news))
	var unpaired []Package
	for _, o := range left {
		i := -1
		for j, n := range news {
			if !used[j] && n.Arch == o.Arch {
				i = j
				break
			}
		}
		if i < 0 {
			unpaired = append(unpaired, o)
			continue
		}
		used[i] = true
		changes = append(changes, versionChange(e, news[i].Name, o, news[i]))
	}
	var rest []Package
	for i, n := range news {
		if !used[i] {
			rest = append(rest, n)
		}
	}
	for i, o := range unpaired {
		if i < len(rest) {
			changes = append(changes, versionChange(e, rest[i].Name, o, rest[i]))
			continue
		}
		changes = append(changes, Change{Ecosystem: e, Name: o.Name, Kind: Removed, Old: o.Version, Arch: o.Arch, Locations: o.Locations})
	}
	for i := len(unpaired); i < len(rest); i++ {
		n := rest[i]
		changes = append(changes, Change{Ecosystem: e, Name: n.Name, Kind: Added, New: n.Version, Arch: n.Arch, Locations: n.Locations})
	}
	return changes, same
}

// versionChange compares a package's old and new version.
func versionChange(e Ecosystem, name string, o, n Package) Change {
	c := Change{Ecosystem: e, Name: name, Old: o.Version, New: n.Version, Arch: n.Arch, Locations: n.Locations}
	if o.Arch != n.Arch {
		c.Arch = o.Arch + " -> " + n.Arch
	}
	vo, err := parseVersion(e, name, o.Version)
	if err != nil {
		c.Kind, c.Note = Changed, fmt.Sprintf("cannot order the versions: old: %v", err)
		return c
	}
	vn, err := parseVersion(e, name, n.Version)
	if err != nil {
		c.Kind, c.Note = Changed, fmt.Sprintf("cannot order the versions: new: %v", err)
		return c
	}
	switch order := vo.compare(vn); {
	case order < 0:
		c.Kind = Upgraded
	case order > 0:
		c.Kind = Downgraded
	default:
		c.Kind = Changed
		if o.Version == n.Version {
			c.Note = "the architecture changed: " + c.Arch
		} else {
			c.Note = fmt.Sprintf("the same version by %s rules, written differently", e)
		}
		return c
	}
	c.Major = vo.major != vn.major
	return c
}
