package result

import "github.com/postflight/postflight/internal/safetext"

// PackageDiff is a packages check's changes between the old and the new
// image, for reports to list.
type PackageDiff struct {
	Changes []PackageChange `json:"changes"`
	// Unchanged counts the packages both images have at one version.
	Unchanged int `json:"unchanged"`
}

// PackageChange is one package that differs, as its ecosystem records it.
type PackageChange struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	// Change is added, removed, upgraded, downgraded or changed.
	Change string `json:"change"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	// Violation says why the plan's policy does not allow the change;
	// empty when it does.
	Violation string `json:"violation,omitempty"`
}

// safe returns d with every text of the images made safe for a report:
// package names and versions come from the images' own files.
func (d *PackageDiff) safe() *PackageDiff {
	if d == nil {
		return nil
	}
	out := &PackageDiff{Unchanged: d.Unchanged, Changes: make([]PackageChange, len(d.Changes))}
	for i, c := range d.Changes {
		out.Changes[i] = PackageChange{Ecosystem: safetext.Text(c.Ecosystem, maxPackageText), Name: safetext.Text(c.Name, maxPackageText),
			Change: safetext.Text(c.Change, maxPackageText), Old: safetext.Text(c.Old, maxPackageText),
			New: safetext.Text(c.New, maxPackageText), Violation: safetext.Text(c.Violation, maxResultText)}
	}
	return out
}

// maxPackageText is how much of a package's name or version is kept.
const maxPackageText = 256
