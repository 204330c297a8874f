package packages

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseExpectation(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: ecosystem|name|constraint
	}{
		{"pypi:eventlet >=0.20.1, <0.21", "pypi|eventlet|>=0.20.1 <0.21"},
		{"pypi:eventlet>=0.20.1,<0.21", "pypi|eventlet|>=0.20.1 <0.21"},
		{"eventlet==0.20.1", "|eventlet|=0.20.1"},
		{"deb:libssl3 >= 3.0.13-1~deb12u1", "deb|libssl3|>=3.0.13-1~deb12u1"},
		{"deb:libc6:amd64", "deb|libc6:amd64|"},
		{"npm:@types/*", "npm|@types/*|"},
		{"golang:golang.org/x/*", "golang|golang.org/x/*|"},
		{"libc6:amd64", "|libc6:amd64|"}, // not an ecosystem: part of the name
		{"  openssl  ", "|openssl|"},
		{"golang:stdlib >=go1.22.0", "golang|stdlib|>=go1.22.0"},
		{"npm:semver != 7.6.0", "npm|semver|!=7.6.0"},
	} {
		e, err := ParseExpectation(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var cs []string
		for _, c := range e.Constraint {
			cs = append(cs, c.String())
		}
		if got := string(e.Ecosystem) + "|" + e.Name + "|" + strings.Join(cs, " "); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
		if e.String() != strings.TrimSpace(tc.in) {
			t.Errorf("%q prints as %q", tc.in, e.String())
		}
	}
	for in, want := range map[string]string{
		"":                         "no package name",
		">=1.0":                    "no package name",
		"pypi:eventlet ~=0.20":     `"~=0.20" is not a comparison`,
		"pypi:eventlet >=":         `">=" is not a comparison`,
		"pypi:eventlet >=not.a.v!": "is not a pypi version",
		"deb:libssl3 >= a1.0":      "is not a deb version",
		"pypi:eventlet >=1.0 2.0":  "is not a comparison",
	} {
		if _, err := ParseExpectation(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one saying %q", in, err, want)
		}
	}
}

func expect(t *testing.T, ss ...string) []Expectation {
	t.Helper()
	var out []Expectation
	for _, s := range ss {
		e, err := ParseExpectation(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func messages(v *Verdict) []string {
	var out []string
	for _, x := range v.Violations {
		out = append(out, x.Message)
	}
	return out
}

// The fixture images' diff, judged by policies a user would write.
func TestPolicyEvaluate(t *testing.T) {
	d := &Diff{Changes: fixtureChanges}
	for _, tc := range []struct {
		name   string
		policy Policy
		want   []string
	}{{
		name:   "no rule: nothing fails",
		policy: Policy{Expected: expect(t, "pypi:eventlet")},
		want:   nil,
	}, {
		name: "the incident: only the declared upgrade may ship",
		policy: Policy{FailOn: []Rule{FailUnexpected}, Expected: expect(t,
			"deb:*", "npm:*", "golang:*", "pypi:chardet", "pypi:idna", "pypi:PyYAML", "pypi:setuptools", "pypi:zope-interface", "pypi:greenlet", "pypi:urllib3 <2",
			"pypi:eventlet <0.20.1")},
		want: []string{
			`pypi eventlet 0.20.0 -> 0.20.1: upgrade, but the expected "pypi:eventlet <0.20.1" does not allow it (0.20.1 is not <0.20.1)`,
			`pypi urllib3 1.26.18 -> 2.0.7: major upgrade, but the expected "pypi:urllib3 <2" does not allow it (2.0.7 is not <2)`,
		},
	}, {
		name:   "removals",
		policy: Policy{FailOn: []Rule{FailRemoved}, Expected: expect(t, "deb:python3-chardet", "pypi:chardet", "golang:*")},
		want: []string{
			"deb cron 3.0pl1-162 -> (none): removed",
			"deb wget 1.21.3-1+b2 -> (none): removed",
			"npm left-pad 1.3.0 -> (none): removed",
		},
	}, {
		name:   "downgrades",
		policy: Policy{FailOn: []Rule{FailDowngrade}},
		want: []string{
			"deb libjemalloc2 5.3.0-1 -> 5.3.0-1~bpo11+1: downgrade",
			"pypi setuptools 68.0.0 -> 66.1.1: major downgrade",
			"npm @types/node 20.11.0 -> 18.19.3: major downgrade",
		},
	}, {
		name:   "major changes, the declared ones allowed",
		policy: Policy{FailOn: []Rule{FailMajor}, Expected: expect(t, "pypi:urllib3 >=2, <3", "npm:@types/*")},
		want: []string{
			"deb e2fsprogs 1.47.0-2 -> 1:1.46.6-1: major upgrade",
			"pypi greenlet 2.0.2 -> 3.0.0rc3: major upgrade",
			"pypi setuptools 68.0.0 -> 66.1.1: major downgrade",
		},
	}, {
		name:   "an expectation with a constraint does not allow a removal",
		policy: Policy{FailOn: []Rule{FailUnexpected}, Expected: expect(t, "deb:*", "pypi:*", "golang:*", "npm:* >=0.0.0")},
		want:   []string{`npm left-pad 1.3.0 -> (none): removed, but the expected "npm:* >=0.0.0" does not allow it (removed)`},
	}, {
		name:   "globs match across slashes; architectures are told apart",
		policy: Policy{FailOn: []Rule{FailUnexpected}, Expected: expect(t, "deb:*", "pypi:*", "npm:*", "golang:example.com/*/gre?t", "golang:example.com/fixture/c*")},
		want:   []string{"golang example.com/fixture/retry (none) -> v0.1.0: added, not in the expected list"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.policy.Evaluate(d)
			if got := messages(v); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if v.Passed() != (len(tc.want) == 0) {
				t.Errorf("passed = %v", v.Passed())
			}
		})
	}
}

func TestPolicyNamesEveryRuleAChangeBreaks(t *testing.T) {
	d := &Diff{Changes: []Change{{Ecosystem: NPM, Name: "@types/node", Kind: Downgraded, Old: "20.11.0", New: "18.19.3", Major: true}}}
	v := Policy{FailOn: Rules}.Evaluate(d)
	if len(v.Violations) != 1 || !slices.Equal(v.Violations[0].Rules, []Rule{FailUnexpected, FailDowngrade, FailMajor}) {
		t.Fatalf("violations %+v", v.Violations)
	}
	if got := v.Violations[0].Message; got != "npm @types/node 20.11.0 -> 18.19.3: major downgrade, not in the expected list" {
		t.Errorf("message %q", got)
	}
	// Two architectures of one package are two violations, told apart.
	d = &Diff{Changes: []Change{
		{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "1", New: "2", Arch: "amd64"},
		{Ecosystem: Deb, Name: "libc6", Kind: Upgraded, Old: "1", New: "2", Arch: "i386"},
	}}
	if got := messages(Policy{FailOn: []Rule{FailUnexpected}}.Evaluate(d)); !slices.Equal(got, []string{
		"deb libc6 (amd64) 1 -> 2: upgrade, not in the expected list",
		"deb libc6 (i386) 1 -> 2: upgrade, not in the expected list",
	}) {
		t.Errorf("messages %q", got)
	}
}

func TestPolicyFailsOnWhatCannotBeRead(t *testing.T) {
	d := &Diff{
		Changes:  []Change{{Ecosystem: Golang, Name: "example.com/app", Kind: Changed, Old: "(devel)", New: "v1.0.0", Note: "cannot order the versions: old: ..."}},
		Problems: []Problem{{Image: "app:new", File: "/var/lib/dpkg/status", Line: 7, Ecosystem: Deb, Package: "wget", Message: "entry has no Version field"}},
	}
	v := Policy{FailOn: []Rule{FailDowngrade}}.Evaluate(d)
	want := []string{
		"golang example.com/app (devel) -> v1.0.0: changed (cannot order the versions: old: ...)",
		"cannot judge what cannot be read: app:new: /var/lib/dpkg/status:7: deb package wget: entry has no Version field",
	}
	if got := messages(v); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if !slices.Equal(v.Violations[1].Rules, []Rule{Unreadable}) || v.Violations[1].Problem == nil {
		t.Errorf("the problem's violation: %+v", v.Violations[1])
	}
}

// A plan holds a policy as YAML: expectations as strings, rules by name.
func TestPolicyFromYAML(t *testing.T) {
	var p Policy
	err := yaml.Unmarshal([]byte(`
expected:
  - "pypi:eventlet >=0.20.1, <0.21"
  - deb:libssl3*
fail_on: [unexpected, downgrade]
`), &p)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Expected) != 2 || p.Expected[0].Name != "eventlet" || len(p.Expected[0].Constraint) != 2 || p.Expected[1].Name != "libssl3*" ||
		!slices.Equal(p.FailOn, []Rule{FailUnexpected, FailDowngrade}) {
		t.Errorf("decoded %+v", p)
	}
	for doc, want := range map[string]string{
		"fail_on: [sometimes]":       `unknown rule "sometimes"`,
		"expected: [\"pypi:x ~=1\"]": "is not a comparison",
	} {
		if err := yaml.Unmarshal([]byte(doc), &Policy{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", doc, err, want)
		}
	}
	out, err := yaml.Marshal(p)
	if err != nil || !strings.Contains(string(out), "pypi:eventlet >=0.20.1, <0.21") {
		t.Errorf("marshal: %s %v", out, err)
	}
}
