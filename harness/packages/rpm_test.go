package packages

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
)

// rpmTestdata is go-rpmdb's own test databases, from the module cache:
// real databases of CentOS (BerkeleyDB), SLE (NDB) and Fedora (SQLite).
func rpmTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/knqyf263/go-rpmdb").Output()
	if err != nil {
		t.Fatalf("find go-rpmdb in the module cache: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "testdata")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("go-rpmdb's test databases: %v", err)
	}
	return dir
}

func TestRPMDatabaseFormats(t *testing.T) {
	data := rpmTestdata(t)
	// Counts and versions as go-rpmdb's own tests list them (from rpm -qa).
	for _, tc := range []struct {
		file, as string
		count    int
		has      []string
	}{
		{"centos5-plain/Packages", "/var/lib/rpm/Packages", 110, []string{"bash 3.2-33.el5_11.4 x86_64", "rpm 4.4.2.3-36.el5_11 x86_64"}},
		{"sle15-bci/Packages.db", "/usr/lib/sysimage/rpm/Packages.db", 35, []string{"bash 4.4-19.6.1 x86_64"}},
		{"fedora35/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite", 138, []string{"bash 5.1.8-2.fc35 x86_64", "rpm 4.17.0-1.fc35 x86_64", "gpg-pubkey 9867c58f-601c49ca"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(data, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if !(rpmCataloger{}).wants(tc.as, 0o644) {
				t.Fatalf("rpm does not want %s", tc.as)
			}
			rec, err := rpmCataloger{}.read(context.Background(), tc.as, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.problems) > 0 {
				t.Fatalf("problems: %v", rec.problems)
			}
			got := versions(rec)
			if len(got) != tc.count {
				t.Errorf("%d packages, want %d", len(got), tc.count)
			}
			for _, h := range tc.has {
				if !slices.Contains(got, h) {
					t.Errorf("lacks %q", h)
				}
			}
		})
	}
}

func TestRPMEpochs(t *testing.T) {
	one := 1
	if got := rpmVersion(&one, "2.38.1", "5.el9"); got != "1:2.38.1-5.el9" {
		t.Errorf("with an epoch: %q", got)
	}
	if got := rpmVersion(nil, "2.38.1", "5.el9"); got != "2.38.1-5.el9" {
		t.Errorf("without: %q", got)
	}
}

// An image holding the database twice (a converted one) lists the packages
// of the one rpm opens; a database that cannot be read is a problem of the
// whole file, and its packages are unknown rather than removed.
func TestRPMInImages(t *testing.T) {
	data := rpmTestdata(t)
	read := func(f string) string {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bdb, sqlite := read("centos5-plain/Packages"), read("fedora35/rpmdb.sqlite")
	both := readImage(t, imageOfLayers(t,
		[]entry{file("var/lib/rpm/Packages", bdb)},
		[]entry{file("usr/lib/sysimage/rpm/rpmdb.sqlite", sqlite)},
	))
	if len(both.Packages) != 138 || both.Packages[0].Locations[0] != "/usr/lib/sysimage/rpm/rpmdb.sqlite" || len(both.Problems) > 0 {
		t.Errorf("with two databases: %d packages, problems %v; want Fedora's 138 from rpmdb.sqlite", len(both.Packages), both.Problems)
	}

	old := imageOfLayers(t, []entry{file("var/lib/rpm/Packages", bdb), pkgJSON("/app", "a", "1.0.0")})
	corrupt := imageOfLayers(t, []entry{file("var/lib/rpm/Packages", "not a database at all"), pkgJSON("/app", "a", "1.1.0")})
	d := DiffInventories(readImage(t, old), readImage(t, corrupt))
	if len(d.Problems) != 1 || d.Problems[0].File != "/var/lib/rpm/Packages" || !strings.Contains(d.Problems[0].Message, "rpm database") {
		t.Fatalf("problems %v, want one about /var/lib/rpm/Packages", d.Problems)
	}
	if len(d.Changes) != 1 || d.Changes[0].Name != "a" || d.Changes[0].Kind != Upgraded {
		t.Errorf("changes %v: want only npm a upgraded (the rpm packages are unknown, not removed)", d.Changes)
	}
}

// TestRPMDatabasesAgreeWithGoRPMDB reads every database of go-rpmdb's test
// data with postflight's reader and with go-rpmdb, and wants the same
// packages from both.
func TestRPMDatabasesAgreeWithGoRPMDB(t *testing.T) {
	data := rpmTestdata(t)
	dbs, _ := filepath.Glob(filepath.Join(data, "*", "*"))
	if len(dbs) < 10 {
		t.Fatalf("%d databases in %s, want go-rpmdb's dozen or more", len(dbs), data)
	}
	for _, path := range dbs {
		t.Run(strings.TrimPrefix(path, data), func(t *testing.T) {
			db, err := rpmdb.Open(path)
			if err != nil {
				t.Skipf("go-rpmdb does not open it: %v", err)
			}
			defer db.Close()
			pkgs, err := db.ListPackages()
			if err != nil {
				t.Skipf("go-rpmdb does not read it: %v", err)
			}
			var want []string
			for _, p := range pkgs {
				want = append(want, strings.TrimSpace(fmt.Sprintf("%s %s %s", p.Name, rpmVersion(p.Epoch, p.Version, p.Release), p.Arch)))
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rec, err := rpmCataloger{}.read(context.Background(), "/var/lib/rpm/Packages", f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.problems) > 0 {
				t.Fatalf("problems: %v", problems(rec))
			}
			got := versions(rec)
			slices.Sort(got)
			slices.Sort(want)
			if len(got) != len(want) {
				t.Fatalf("%d packages, go-rpmdb %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("package %q, go-rpmdb %q", got[i], want[i])
				}
			}
		})
	}
}
