package packages

import (
	"strings"
	"testing"
)

func dpkgStanza(name, version, arch string) string {
	return "Package: " + name + "\nStatus: install ok installed\nVersion: " + version + "\nArchitecture: " + arch + "\n\n"
}

func apkEntry(name, version string) string {
	return "P:" + name + "\nV:" + version + "\nA:x86_64\n\n"
}

// dpkg and apk install one version of a package (per architecture): a
// database that lists two contradicts itself, and which one is installed
// cannot be told. The package is unknown, not added, and no policy passes
// over it — whichever rules it picks.
func TestDatabaseListingAPackageAtTwoVersionsIsAProblem(t *testing.T) {
	tests := []struct {
		name     string
		old, new []entry
		pkg      string
	}{
		{"dpkg status",
			[]entry{file("var/lib/dpkg/status", dpkgStanza("openssl", "3.0.11-1", "amd64"))},
			[]entry{file("var/lib/dpkg/status", dpkgStanza("openssl", "3.0.11-1", "amd64")+dpkgStanza("openssl", "3.0.11-1", "i386")+
				dpkgStanza("openssl", "3.0.9-1", "amd64"))},
			"openssl"},
		{"dpkg status and status.d",
			[]entry{file("var/lib/dpkg/status", dpkgStanza("openssl", "3.0.11-1", "amd64"))},
			[]entry{file("var/lib/dpkg/status", dpkgStanza("openssl", "3.0.11-1", "amd64")),
				dir("var/lib/dpkg/status.d"), file("var/lib/dpkg/status.d/openssl", dpkgStanza("openssl", "3.0.9-1", "amd64"))},
			"openssl"},
		{"apk installed",
			[]entry{file("lib/apk/db/installed", apkEntry("musl", "1.2.4-r2"))},
			[]entry{file("lib/apk/db/installed", apkEntry("musl", "1.2.4-r2")+apkEntry("musl", "1.2.3-r0"))},
			"musl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := readImage(t, imageOfLayers(t, tt.old))
			new := readImage(t, imageOfLayers(t, tt.new))
			d := DiffInventories(old, new)
			if len(d.Changes) != 0 {
				t.Errorf("changes %v; want none: the package's version is unknown", changes(d))
			}
			if len(d.Problems) != 1 || d.Problems[0].Package != tt.pkg || !strings.Contains(d.Problems[0].Message, "contradicts itself") {
				t.Fatalf("problems %v; want one naming %s, saying the database contradicts itself", d.Problems, tt.pkg)
			}
			for _, rules := range [][]Rule{{FailDowngrade}, Rules} {
				if v := (Policy{FailOn: rules}).Evaluate(d); v.Passed() {
					t.Errorf("policy failing on %v passed a database that contradicts itself", rules)
				}
			}
		})
	}
}

// The control: one dpkg package for two architectures is what multiarch
// installs.
func TestDatabaseListingAPackagePerArchitectureIsNoProblem(t *testing.T) {
	img := readImage(t, imageOfLayers(t, []entry{file("var/lib/dpkg/status",
		dpkgStanza("libc6", "2.36-9", "amd64")+dpkgStanza("libc6", "2.36-9", "i386"))}))
	if len(img.Problems) != 0 || len(img.Packages) != 2 {
		t.Errorf("packages %v, problems %v; want both architectures and no problem", img.Packages, img.Problems)
	}
}

func distInfo(dir, name, version string) entry {
	return file(dir+"/"+name+"-"+version+".dist-info/METADATA", "Metadata-Version: 2.1\nName: "+name+"\nVersion: "+version+"\n")
}

// Python imports one copy of a distribution from a site-packages
// directory: two versions' metadata side by side there (a stale dist-info
// an upgrade left) contradict each other. In two directories (a virtualenv
// and the system's) they are two installations.
func TestSitePackagesListingADistributionAtTwoVersions(t *testing.T) {
	const site, venv = "usr/lib/python3/dist-packages", "opt/app/lib/python3.11/site-packages"
	old := readImage(t, imageOfLayers(t, []entry{distInfo(site, "eventlet", "0.20.1")}))
	stale := readImage(t, imageOfLayers(t, []entry{distInfo(site, "eventlet", "0.20.1"), distInfo(site, "eventlet", "0.20.0")}))
	d := DiffInventories(old, stale)
	if len(d.Changes) != 0 || len(d.Problems) != 1 || !strings.Contains(d.Problems[0].Message, "contradicts itself") {
		t.Errorf("two versions in one directory: changes %v, problems %v; want one problem and no change", changes(d), d.Problems)
	}
	two := readImage(t, imageOfLayers(t, []entry{distInfo(site, "eventlet", "0.20.1"), distInfo(venv, "eventlet", "0.20.0")}))
	if d := DiffInventories(old, two); len(d.Problems) != 0 || len(d.Changes) != 1 {
		t.Errorf("two directories: changes %v, problems %v; want the venv's copy added", changes(d), d.Problems)
	}
}
