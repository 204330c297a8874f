package plan

import (
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// position is a 1-based line and column in the plan file.
type position struct {
	line, column int
}

func at(n *yaml.Node) position { return position{n.Line, n.Column} }

// decoder walks a yaml.Node tree into Go values by reflection. It is strict:
// every key must name a field, every value must have the field's type. It
// does not stop at the first problem: it collects them all, and records
// where every value came from so that validation can point at it too.
//
// Values are named by paths such as "checks[1].expect.status" or
// "stack.replica.ready.api"; the plan itself is "".
type decoder struct {
	file string
	errs Errors
	// values is where each decoded value starts; keys is where the key
	// naming a struct field or map entry is.
	values map[string]position
	keys   map[string]position
	// bad marks values that could not be decoded; validation leaves them
	// alone, they already have an error.
	bad map[string]bool
	// count is how many values have been decoded, aliases expanded; past
	// MaxValues decoding stops and tooMany is set.
	count   int
	tooMany bool
	// merging holds the mappings whose merge keys are being expanded.
	merging map[*yaml.Node]bool
}

func newDecoder(file string) *decoder {
	return &decoder{
		file:    file,
		values:  map[string]position{},
		keys:    map[string]position{},
		bad:     map[string]bool{},
		merging: map[*yaml.Node]bool{},
	}
}

// errorAt records a problem at p.
func (d *decoder) errorAt(p position, field, format string, args ...any) {
	d.errs = append(d.errs, &Error{
		File:   d.file,
		Line:   p.line,
		Column: p.column,
		Field:  field,
		Msg:    fmt.Sprintf(format, args...),
	})
}

// spend counts one more value, at n, against MaxValues, and reports
// whether decoding may go on. Aliases let a small file name a great many
// values; past the cap the plan is refused, once.
func (d *decoder) spend(n *yaml.Node) bool {
	d.count++
	if d.count <= MaxValues {
		return true
	}
	if !d.tooMany {
		d.tooMany = true
		d.errorAt(at(n), "", "the plan has more than %d values, aliases and merge keys expanded; expected at most that many", MaxValues)
	}
	return false
}

// reject records that the value at path, node n, is not what was expected.
func (d *decoder) reject(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.errorAt(at(n), path, format, args...)
}

var durationType = reflect.TypeFor[Duration]()

// value decodes n into v, which is addressable.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(n) {
		return
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.values[path] = at(n)
	if v.Type() == durationType {
		d.duration(n, v, path)
		return
	}
	if v.Type() == canaryStepsType {
		d.canarySteps(n, v, path)
		return
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok && v.Kind() != reflect.Pointer {
		d.textValue(n, u, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		// A key with an empty value (`replica:`) still chooses the
		// struct: validation then says what it lacks.
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path)
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.Slice:
		d.sequence(n, v, path)
	case reflect.String:
		d.text(n, v, path)
	case reflect.Int:
		d.integer(n, v, path)
	case reflect.Bool:
		d.boolean(n, v, path)
	default:
		panic(fmt.Sprintf("plan: cannot decode into %s", v.Type()))
	}
}

// structure decodes a mapping into the struct v, field by field.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.reject(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	for _, kv := range d.pairs(n, path) {
		name := kv.key.Value
		i, ok := fields.index[name]
		if !ok {
			d.errorAt(at(kv.key), path, "unknown key %q%s", name, unknownKeyHint(name, fields.names))
			continue
		}
		fp := joinField(path, name)
		d.keys[fp] = at(kv.key)
		d.value(kv.value, v.Field(i), fp)
		if e, ok := v.Addr().Interface().(*HTTPExpect); ok && name == "json" {
			jsonTypes(kv.value, e)
		}
	}
}

func unknownKeyHint(name string, known []string) string {
	if hint := didYouMean(name, known); hint != "" {
		return hint
	}
	return "; known keys are " + strings.Join(known, ", ")
}

// mapping decodes a mapping into the map v, whose keys are strings.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.reject(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, kv := range d.pairs(n, path) {
		kp := joinKey(path, kv.key.Value)
		d.keys[kp] = at(kv.key)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(kv.value, elem, kp)
		v.SetMapIndex(reflect.ValueOf(kv.key.Value).Convert(v.Type().Key()), elem)
	}
}

// sequence decodes a sequence into the slice v.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.reject(n, path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

// text decodes a scalar into a string. Any scalar will do, as with
// yaml.v3: a header value written 5 means "5". A null is the empty string.
func (d *decoder) text(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.reject(n, path, "expected a string, got %s", describe(n))
		return
	}
	if isNull(n) {
		return
	}
	v.SetString(n.Value)
}

func (d *decoder) integer(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.reject(n, path, "expected an integer, got %s", describe(n))
		return
	}
	var i int64
	if err := n.Decode(&i); err != nil || v.OverflowInt(i) {
		d.reject(n, path, "expected an integer, got %s (out of range)", n.Value)
		return
	}
	v.SetInt(i)
}

func (d *decoder) boolean(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.reject(n, path, "expected true or false, got %s", describe(n))
		return
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.reject(n, path, "expected true or false, got %s", describe(n))
		return
	}
	v.SetBool(b)
}

// textValue decodes a scalar through the type's own UnmarshalText (budgets
// such as "250ms", "0.1%", "200/s"), whose error says what was expected.
func (d *decoder) textValue(n *yaml.Node, u encoding.TextUnmarshaler, path string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.reject(n, path, "expected a single value, got %s", describe(n))
		return
	}
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		d.reject(n, path, "%v", err)
	}
}

// duration decodes "250ms", "5s", "1m30s" into a Duration and marks it set.
// Durations in a plan are never negative.
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.reject(n, path, "expected a duration like 250ms or 5s, got %s", describe(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.reject(n, path, "expected a duration like 250ms or 5s, got %s", describe(n))
		return
	}
	if dur < 0 {
		d.reject(n, path, "expected a duration that is not negative, got %s", n.Value)
		return
	}
	if dur > MaxDuration {
		d.reject(n, path, "expected a duration of at most %s, got %s", formatDuration(MaxDuration), n.Value)
		return
	}
	v.Set(reflect.ValueOf(Duration{Duration: dur, Set: true}))
}

// formatDuration writes d as a plan would: "24h", not "24h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// pair is one key and its value in a mapping.
type pair struct {
	key, value *yaml.Node
}

// pairs returns the entries of the mapping n with merge keys (<<) expanded:
// keys written in n win over merged ones, and earlier merged mappings over
// later ones. A key written twice in n is an error; the first one counts.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var (
		out    []pair
		merges []*yaml.Node
	)
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorAt(at(k), path, "expected a key, got %s", describe(k))
			continue
		}
		if prev, ok := first[k.Value]; ok {
			d.errorAt(at(k), path, "duplicate key %q (first at line %d)", k.Value, prev.Line)
			continue
		}
		first[k.Value] = k
		out = append(out, pair{k, val})
	}
	// A mapping merged into itself, through an alias, would be merged
	// again for ever.
	d.merging[n] = true
	defer delete(d.merging, n)
	for _, m := range merges {
		use := m
		for m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		var sources []*yaml.Node
		switch m.Kind {
		case yaml.MappingNode:
			sources = []*yaml.Node{m}
		case yaml.SequenceNode:
			sources = m.Content
		default:
			d.errorAt(at(m), path, "expected a mapping or list of mappings to merge, got %s", describe(m))
			continue
		}
		for _, src := range sources {
			for src.Kind == yaml.AliasNode {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				d.errorAt(at(src), path, "expected a mapping to merge, got %s", describe(src))
				continue
			}
			if d.merging[src] {
				d.errorAt(at(use), path, "merge key merges a mapping into itself")
				continue
			}
			if !d.spend(src) {
				return out
			}
			for _, kv := range d.pairs(src, path) {
				if _, ok := first[kv.key.Value]; ok {
					continue
				}
				first[kv.key.Value] = kv.key
				out = append(out, kv)
			}
		}
	}
	return out
}

// isNull reports whether n is an empty value (`key:`, `~`, `null`).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (null)"
	case "!!str":
		return fmt.Sprintf("string %q", n.Value)
	case "!!int":
		return "integer " + n.Value
	case "!!float":
		return "number " + n.Value
	case "!!bool":
		return "boolean " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// structFields is the yaml keys of a struct type and their field indexes.
type structFields struct {
	index map[string]int
	names []string // sorted
}

func fieldsOf(t reflect.Type) structFields {
	f := structFields{index: map[string]int{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if !sf.IsExported() || name == "-" || name == "" {
			continue
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	return f
}

// joinField names the field name of the struct at path.
func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKey names the entry key of the map at path: "a.b" for plain keys,
// `a["x.y"]` for others.
func joinKey(path, key string) string {
	if plainKey.MatchString(key) {
		return joinField(path, key)
	}
	return fmt.Sprintf("%s[%q]", path, key)
}

// parent returns the path of the value that contains path: "a.b" for
// "a.b.c" and "a.b[2]", "" for "a".
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}
