package plan

import "fmt"

// Problems is where a kind's Validate reports what is wrong with a check.
// Fields are named from the check: "service", "load.rate",
// "load.targets[0].url"; "" is the check itself. A problem is reported as
// every problem with a plan is: at the line and column of the value in the
// file (of its closest enclosing value when the file does not give it),
// with its path in the plan, "checks[2].service". Only the plan makes
// Problems.
type Problems struct {
	v *validator
	// path is the check's path in the plan: "checks[2]".
	path string
}

func (p Problems) at(field string) string { return joinField(p.path, field) }

// At records a problem with the value of field.
func (p Problems) At(field, format string, args ...any) {
	p.v.fail(p.at(field), format, args...)
}

// Has reports whether the file gives field a value that could be decoded.
func (p Problems) Has(field string) bool { return p.v.has(p.at(field)) }

// Required reports whether the file gives field a value that could be
// decoded, and records that it is missing when the file does not give it.
// A value that could not be decoded already has its problem. field names
// a field ("service", "load.rate"), not a list item.
func (p Problems) Required(field string) bool {
	fp := p.at(field)
	in := parent(fp)
	if field == "" || fp[len(in)] != '.' {
		panic(fmt.Sprintf("plan: Problems.Required(%q): name a field, not the check or a list item", field))
	}
	return p.v.required(in, fp[len(in)+1:])
}

// Service reports whether name, the value of field, is a service of the
// stack, and records a problem at field when it is not. It reports false,
// and records nothing, when the stack's services are unknown: the stack
// has a problem of its own.
func (p Problems) Service(field, name string) bool {
	return p.v.service(p.at(field), name)
}

// Resolve returns a path the plan names as it is used: relative paths are
// relative to the plan file's directory.
func (p Problems) Resolve(name string) string { return p.v.plan.Resolve(name) }
