package packages

import (
	"fmt"
	"regexp"
	"strings"
)

// Expectation declares a change a deploy is meant to ship: a package name
// or glob, optionally in one ecosystem, optionally with a constraint on the
// new version. Written as
//
//	[ECOSYSTEM:]NAME [CONSTRAINT]
//
// where NAME may hold * (any run of characters, slashes included) and ?
// (one character), and CONSTRAINT is comma-separated comparisons, all of
// which the new version must meet, made by the ecosystem's own rules:
//
//	pypi:eventlet >=0.20.1, <0.21
//	deb:libssl3 >= 3.0.13-1~deb12u1
//	npm:@types/*
//	golang:golang.org/x/*
//	openssl
//
// Operators: = (or ==), !=, <, <=, >, >=. An expectation without a
// constraint allows any change to the packages it names, removal included;
// one with a constraint allows only new versions that meet it.
type Expectation struct {
	// Ecosystem is empty for any ecosystem.
	Ecosystem Ecosystem
	Name      string
	// Constraint is on the new version; empty allows any change.
	Constraint []Comparison

	name *regexp.Regexp
	raw  string
}

// Comparison is one clause of a version constraint.
type Comparison struct {
	Op      string
	Version string
}

func (c Comparison) String() string { return c.Op + c.Version }

var comparisonOps = []string{"==", "!=", "<=", ">=", "=", "<", ">"}

// ParseExpectation reads an expectation (see Expectation).
func ParseExpectation(s string) (Expectation, error) {
	e := Expectation{raw: strings.TrimSpace(s)}
	rest := e.raw
	if prefix, after, ok := strings.Cut(rest, ":"); ok {
		if eco, err := ParseEcosystem(prefix); err == nil {
			e.Ecosystem, rest = eco, after
		}
	}
	end := strings.IndexAny(rest, "<>=! \t")
	if end < 0 {
		end = len(rest)
	}
	e.Name, rest = rest[:end], strings.TrimSpace(rest[end:])
	if e.Name == "" {
		return Expectation{}, fmt.Errorf("expected package %q: no package name", s)
	}
	e.name = globRegexp(normalizeName(e.Ecosystem, e.Name))
	if rest == "" {
		return e, nil
	}
	for _, clause := range strings.Split(rest, ",") {
		clause = strings.TrimSpace(clause)
		var c Comparison
		for _, op := range comparisonOps {
			if v, ok := strings.CutPrefix(clause, op); ok {
				c = Comparison{Op: op, Version: strings.TrimSpace(v)}
				break
			}
		}
		if c.Op == "==" {
			c.Op = "="
		}
		if c.Op == "" || c.Version == "" || strings.ContainsAny(c.Version, " \t") {
			return Expectation{}, fmt.Errorf("expected package %q: %q is not a comparison (=, !=, <, <=, >, >= and a version)", s, clause)
		}
		if e.Ecosystem != "" {
			if _, err := parseVersion(e.Ecosystem, e.Name, c.Version); err != nil {
				return Expectation{}, fmt.Errorf("expected package %q: %s is not a %s version: %v", s, c.Version, e.Ecosystem, err)
			}
		}
		e.Constraint = append(e.Constraint, c)
	}
	return e, nil
}

// String is the expectation as written.
func (e Expectation) String() string {
	if e.raw != "" {
		return e.raw
	}
	s := e.Name
	if e.Ecosystem != "" {
		s = string(e.Ecosystem) + ":" + s
	}
	for i, c := range e.Constraint {
		sep := ", "
		if i == 0 {
			sep = " "
		}
		s += sep + c.String()
	}
	return s
}

// UnmarshalText reads an expectation from a plan (a YAML string).
func (e *Expectation) UnmarshalText(b []byte) error {
	x, err := ParseExpectation(string(b))
	if err != nil {
		return err
	}
	*e = x
	return nil
}

// MarshalText writes the expectation as written.
func (e Expectation) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// names reports whether the expectation is about the change's package.
func (e Expectation) names(c Change) bool {
	if e.Ecosystem != "" && e.Ecosystem != c.Ecosystem {
		return false
	}
	re := e.name
	if re == nil {
		re = globRegexp(normalizeName(e.Ecosystem, e.Name))
	}
	return re.MatchString(normalizeName(c.Ecosystem, c.Name))
}

// allows reports whether the change's new version meets the constraint;
// the reason says why not.
func (e Expectation) allows(c Change) (bool, string) {
	if len(e.Constraint) == 0 {
		return true, ""
	}
	if c.New == "" {
		return false, "removed"
	}
	for _, cl := range e.Constraint {
		order, err := compareVersions(c.Ecosystem, c.Name, c.New, cl.Version)
		if err != nil {
			return false, fmt.Sprintf("cannot compare %s with %s: %v", c.New, cl.Version, err)
		}
		var ok bool
		switch cl.Op {
		case "=":
			ok = order == 0
		case "!=":
			ok = order != 0
		case "<":
			ok = order < 0
		case "<=":
			ok = order <= 0
		case ">":
			ok = order > 0
		case ">=":
			ok = order >= 0
		}
		if !ok {
			return false, fmt.Sprintf("%s is not %s", c.New, cl)
		}
	}
	return true, ""
}

// globRegexp compiles a glob: * is any run of characters, ? one.
func globRegexp(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
