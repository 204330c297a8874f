package packages

import (
	"fmt"
	"slices"
	"strings"
)

// Rule is a kind of change a Policy can fail on.
type Rule string

// Rules.
const (
	// FailUnexpected fails on any change to a package that no
	// expectation allows.
	FailUnexpected Rule = "unexpected"
	// FailRemoved fails on a package removed.
	FailRemoved Rule = "removed"
	// FailDowngrade fails on a package downgraded, and on a version
	// change that cannot be ordered (a version its ecosystem's rules do
	// not parse): it could be a downgrade.
	FailDowngrade Rule = "downgrade"
	// FailMajor fails on a change of major version (epoch or first
	// release number), up or down.
	FailMajor Rule = "major"
	// Unreadable is not a rule one picks: a Policy always fails on what
	// could not be read (Problems), since it cannot judge it.
	Unreadable Rule = "unreadable"
)

// Rules lists the rules a policy can pick, in report order.
var Rules = []Rule{FailUnexpected, FailRemoved, FailDowngrade, FailMajor}

// ParseRule reads a rule name.
func ParseRule(s string) (Rule, error) {
	for _, r := range Rules {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Rules))
	for i, r := range Rules {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown rule %q (want one of %s)", s, strings.Join(names, ", "))
}

// UnmarshalText reads a rule from a plan or a JSON report ("unreadable"
// included: it is always on).
func (r *Rule) UnmarshalText(b []byte) error {
	if Rule(b) == Unreadable {
		*r = Unreadable
		return nil
	}
	x, err := ParseRule(string(b))
	if err != nil {
		return err
	}
	*r = x
	return nil
}

// Policy is a gate on a Diff: it fails on the changes its rules pick,
// except the ones an expectation allows. A change an expectation allows
// passes every rule: declaring it is the point.
type Policy struct {
	// Expected are the changes the deploy is meant to ship.
	Expected []Expectation `yaml:"expected" json:"expected,omitempty"`
	// FailOn are the rules that fail the gate.
	FailOn []Rule `yaml:"fail_on" json:"fail_on"`
}

func (p Policy) has(r Rule) bool { return slices.Contains(p.FailOn, r) }

// Violation is a change (or a problem) that fails a policy.
type Violation struct {
	// Rules are the rules the change breaks.
	Rules   []Rule   `json:"rules"`
	Change  *Change  `json:"change,omitempty"`
	Problem *Problem `json:"problem,omitempty"`
	// Message names the package, its old and new version, and why.
	Message string `json:"message"`
}

func (v Violation) String() string { return v.Message }

// Verdict is a policy's judgement of a diff.
type Verdict struct {
	Policy     Policy      `json:"policy"`
	Violations []Violation `json:"violations"`
}

// Passed reports whether nothing violates the policy.
func (v *Verdict) Passed() bool { return len(v.Violations) == 0 }

// Evaluate judges a diff.
func (p Policy) Evaluate(d *Diff) *Verdict {
	v := &Verdict{Policy: p, Violations: []Violation{}}
	for i := range d.Changes {
		c := &d.Changes[i]
		allowed, expected, reason := p.allowed(*c)
		if allowed {
			continue
		}
		var rules []Rule
		unordered := c.Kind == Changed && strings.HasPrefix(c.Note, "cannot order")
		if p.has(FailUnexpected) {
			rules = append(rules, FailUnexpected)
		}
		if p.has(FailRemoved) && c.Kind == Removed {
			rules = append(rules, FailRemoved)
		}
		if p.has(FailDowngrade) && (c.Kind == Downgraded || unordered) {
			rules = append(rules, FailDowngrade)
		}
		if p.has(FailMajor) && c.Major {
			rules = append(rules, FailMajor)
		}
		if len(rules) == 0 {
			continue
		}
		named := *c
		named.Name = displayName(d.Changes, i)
		msg := named.String() + ": " + describe(*c)
		if rules[0] == FailUnexpected {
			if expected != nil {
				msg += fmt.Sprintf(", but the expected %q does not allow it (%s)", expected.String(), reason)
			} else {
				msg += ", not in the expected list"
			}
		}
		v.Violations = append(v.Violations, Violation{Rules: rules, Change: c, Message: msg})
	}
	for i := range d.Problems {
		pr := &d.Problems[i]
		v.Violations = append(v.Violations, Violation{Rules: []Rule{Unreadable}, Problem: pr, Message: "cannot judge what cannot be read: " + pr.String()})
	}
	return v
}

// allowed reports whether an expectation allows the change; when one
// names the package but does not allow the new version, it is returned
// with the reason.
func (p Policy) allowed(c Change) (bool, *Expectation, string) {
	var named *Expectation
	var reason string
	for i := range p.Expected {
		e := &p.Expected[i]
		if !e.names(c) {
			continue
		}
		ok, why := e.allows(c)
		if ok {
			return true, nil, ""
		}
		if named == nil {
			named, reason = e, why
		}
	}
	return false, named, reason
}

// describe says what happened to a package in a few words.
func describe(c Change) string {
	switch {
	case c.Major && c.Kind == Upgraded:
		return "major upgrade"
	case c.Major && c.Kind == Downgraded:
		return "major downgrade"
	case c.Kind == Upgraded:
		return "upgrade"
	case c.Kind == Downgraded:
		return "downgrade"
	case c.Kind == Changed:
		return "changed (" + c.Note + ")"
	}
	return string(c.Kind)
}
