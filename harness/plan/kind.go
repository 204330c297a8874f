package plan

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Kind is a kind of check as a plan knows it: the fields a check of the
// kind may set, what else makes such a check valid, its defaults and what
// it talks to. A check's kind field names a registered Kind; adding a kind
// is one RegisterKind.
type Kind struct {
	// Name is what a check's kind field says: "http".
	Name string
	// Help is one short line (under 64 characters) on what a check of the
	// kind verifies, listed by the command line's help.
	Help string
	// Doc, when set, says more: a paragraph or an example, shown after the
	// list of kinds by the help of the commands that read plans.
	Doc string
	// Fields are the keys of the check fields the kind accepts besides
	// name, kind and timeout, which every check has. A check that sets
	// another field is refused, at that field.
	Fields []string
	// Validate checks what decoding cannot in a check of the kind,
	// reporting each problem at its field. Name, timeout, port's range and
	// fields the kind does not accept are checked for every kind. Nil:
	// nothing more to check.
	Validate func(c *Check, p Problems)
	// Defaults fills in what a valid check of the kind leaves unset. Nil:
	// no defaults besides those every check gets.
	Defaults func(p *Plan, c *Check)
	// ServicePorts lists the stack services, and their ports, that a check
	// of the kind sends requests to. Nil: none.
	ServicePorts func(c *Check) []ServicePort
	// ReadsImageUnderTest reports whether a check of the kind reads the
	// image under test itself, not through a service (a package diff of
	// the run's new image): a replica started for it is measured. Nil: it
	// does not.
	ReadsImageUnderTest func(c *Check) bool
	// Images says that `postflight check images` runs checks of the kind:
	// they look at images, registries or the host, not at what the
	// services answer.
	Images bool
	// CannotVerify, when set, says why a check of the kind is no evidence
	// that a rollback put the old version back: its answer does not depend
	// on what runs. Such a check may not be named in rollback.verify.
	CannotVerify string
}

// commonFields are the check fields every kind accepts.
var commonFields = []string{"kind", "name", "timeout"}

// checkFields are the keys of every field of a check, sorted.
var checkFields = fieldsOf(reflect.TypeFor[Check]()).names

// registry holds the registered kinds.
var registry struct {
	sync.RWMutex
	byName map[string]Kind
	// names are the kinds' names in the order they were registered, the
	// order in which messages list them.
	names []string
}

// RegisterKind makes k a kind plans may name. It panics when k has no
// name, when a kind of that name is registered already, or when k accepts
// a field a check does not have or one every check has: those are
// mistakes in the program, not in a plan. It is safe to call from init.
func RegisterKind(k Kind) {
	if k.Name == "" {
		panic("plan: RegisterKind: a kind needs a name")
	}
	for _, f := range k.Fields {
		if slices.Contains(commonFields, f) {
			panic(fmt.Sprintf("plan: RegisterKind %q: every check has field %q; list only the fields of the kind", k.Name, f))
		}
		if !slices.Contains(checkFields, f) {
			panic(fmt.Sprintf("plan: RegisterKind %q: a check has no field %q; its fields are %s", k.Name, f, strings.Join(checkFields, ", ")))
		}
	}
	k.Fields = slices.Clone(k.Fields)
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.byName[k.Name]; ok {
		panic(fmt.Sprintf("plan: RegisterKind: kind %q is registered twice", k.Name))
	}
	if registry.byName == nil {
		registry.byName = map[string]Kind{}
	}
	registry.byName[k.Name] = k
	registry.names = append(registry.names, k.Name)
	if k.Images {
		ImageKinds = append(ImageKinds, k.Name)
	}
}

// LookupKind returns the registered kind of that name. Changing what it
// returns changes nothing registered.
func LookupKind(name string) (Kind, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.byName[name]
	k.Fields = slices.Clone(k.Fields)
	return k, ok
}

// Kinds returns the registered kinds, sorted by name.
func Kinds() []Kind {
	out := registered()
	slices.SortFunc(out, func(a, b Kind) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// registered returns the registered kinds in the order they were
// registered: the built-in ones first, in the order messages have always
// listed them.
func registered() []Kind {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Kind, len(registry.names))
	for i, name := range registry.names {
		out[i] = registry.byName[name]
		out[i].Fields = slices.Clone(out[i].Fields)
	}
	return out
}

// kindNames returns the names of the registered kinds that keep, in the
// order they were registered.
func kindNames(keep func(Kind) bool) []string {
	var names []string
	for _, k := range registered() {
		if keep(k) {
			names = append(names, k.Name)
		}
	}
	return names
}

// accepts reports whether a check of kind k may set field.
func (k Kind) accepts(field string) bool {
	return slices.Contains(commonFields, field) || slices.Contains(k.Fields, field)
}
