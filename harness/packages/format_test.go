package packages

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func sampleDiff() *Diff {
	return &Diff{
		Old: Image{Ref: "app:1.3.2", ID: "sha256:1111111111111111111111"},
		New: Image{Ref: "app:1.4.0", ID: "sha256:2222222222222222222222"},
		Changes: []Change{
			{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "2.36-9+deb12u4", New: "2.36-9+deb12u7", Arch: "amd64"},
			{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "2.36-9+deb12u4", New: "2.36-9+deb12u7", Arch: "i386"},
			{Ecosystem: PyPI, Name: "eventlet", Kind: Upgraded, Old: "0.20.0", New: "0.20.1"},
			{Ecosystem: NPM, Name: "left-pad", Kind: Removed, Old: "1.3.0"},
			{Ecosystem: NPM, Name: "weird|name", Kind: Changed, Old: "1.0", New: "1.0.0", Note: "the same version by npm rules, written differently"},
		},
		Unchanged: 412,
		Problems:  []Problem{{Image: "app:1.4.0", Layer: "sha256:3333333333333333", File: "/var/lib/dpkg/status", Line: 7, Ecosystem: Deb, Package: "wget", Message: "entry has no Version field"}},
	}
}

func TestWriteTable(t *testing.T) {
	d := sampleDiff()
	var b bytes.Buffer
	if err := WriteTable(&b, d, Policy{FailOn: []Rule{FailRemoved}}.Evaluate(d)); err != nil {
		t.Fatal(err)
	}
	want := `old  app:1.3.2  sha256:111111111111
new  app:1.4.0  sha256:222222222222

ECOSYSTEM  PACKAGE        CHANGE    OLD             NEW             NOTE
deb        libc6 (amd64)  upgraded  2.36-9+deb12u4  2.36-9+deb12u7
deb        libc6 (i386)   upgraded  2.36-9+deb12u4  2.36-9+deb12u7
pypi       eventlet       upgraded  0.20.0          0.20.1
npm        left-pad       removed   1.3.0           -
npm        weird|name     changed   1.0             1.0.0           the same version by npm rules, written differently

5 changes (deb: 2 upgraded; pypi: 1 upgraded; npm: 1 removed, 1 changed), 412 packages unchanged

1 problem reading the images:
  app:1.4.0: /var/lib/dpkg/status:7 (layer sha256:333333333333): deb package wget: entry has no Version field

policy failed: 2 violations
  npm left-pad 1.3.0 -> (none): removed
  cannot judge what cannot be read: app:1.4.0: /var/lib/dpkg/status:7 (layer sha256:333333333333): deb package wget: entry has no Version field
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	WriteTable(&b, &Diff{Old: d.Old, New: d.New, Unchanged: 3}, nil)
	if !strings.HasSuffix(b.String(), "\nno differences: 3 packages unchanged\n") {
		t.Errorf("no differences:\n%s", b.String())
	}
}

func TestWriteMarkdown(t *testing.T) {
	d := sampleDiff()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, d, Policy{FailOn: []Rule{FailRemoved}}.Evaluate(d)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### Packages: `app:1.3.2` → `app:1.4.0`\n",
		"❌ **policy failed: 2 violations**\n",
		"| deb | `libc6 (i386)` | upgraded | `2.36-9+deb12u4` | `2.36-9+deb12u7` |\n",
		"| npm | `left-pad` | removed | `1.3.0` |  |\n",
		"| npm | `weird\\|name` | changed: the same version by npm rules, written differently | `1.0` | `1.0.0` |\n",
		"#### Problems reading the images\n\n- app:1.4.0: /var/lib/dpkg/status:7 (layer sha256:333333333333): deb package wget: entry has no Version field\n",
		"#### Policy violations\n\n- npm left-pad 1.3.0 -&gt; (none): removed\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteJSON(t *testing.T) {
	d := sampleDiff()
	var b bytes.Buffer
	if err := Write(&b, JSON, d, Policy{FailOn: []Rule{FailRemoved}}.Evaluate(d)); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Old      Image
		Changes  []Change
		Summary  []EcosystemSummary
		Problems []Problem
		Verdict  struct {
			Violations []struct {
				Rules   []Rule
				Change  *Change
				Message string
			}
		}
		Passed    *bool
		Unchanged int
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Old.Ref != "app:1.3.2" || len(got.Changes) != 5 || got.Changes[2].Old != "0.20.0" || got.Unchanged != 412 ||
		got.Passed == nil || *got.Passed || len(got.Verdict.Violations) != 2 || got.Verdict.Violations[0].Change.Name != "left-pad" ||
		len(got.Summary) != 3 || got.Summary[2].Counts[Removed] != 1 || len(got.Problems) != 1 || got.Problems[0].Line != 7 {
		t.Errorf("decoded %+v\nfrom\n%s", got, b.String())
	}
	if strings.Contains(b.String(), `"verdict"`) != true {
		t.Error("no verdict")
	}
	b.Reset()
	Write(&b, JSON, d, nil)
	if strings.Contains(b.String(), `"verdict"`) || strings.Contains(b.String(), `"passed"`) {
		t.Errorf("a verdict without a policy:\n%s", b.String())
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("yaml parsed")
	}
}
