package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	goyaml "github.com/goccy/go-yaml"
	goparser "github.com/goccy/go-yaml/parser"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the plan file at path. Problems with
// the plan, including a file that cannot be read, are returned together as
// an Errors.
func Load(path string) (*Plan, error) {
	data, err := readPlan(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read the plan: " + unwrapPath(err).Error(), Err: err}}
	}
	return Parse(path, data)
}

// readPlan reads the file at path, but no more than one byte past
// MaxPlanSize: enough for Parse to refuse it.
func readPlan(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxPlanSize+1))
}

// Parse decodes and validates a plan read from path; path names the file in
// errors, and relative paths inside the plan (the compose file) are
// relative to its directory. Every problem found is returned, together, as
// an Errors. On success the plan has its defaults filled in.
func Parse(path string, data []byte) (*Plan, error) {
	if len(data) > MaxPlanSize {
		return nil, Errors{{File: path, Line: 1, Column: 1, Msg: fmt.Sprintf("the plan is larger than %d MiB (%d bytes); expected a smaller file", MaxPlanSize>>20, MaxPlanSize)}}
	}
	root, errs := parseYAML(path, data)
	if errs != nil {
		return nil, errs
	}
	p := &Plan{Path: path}
	d := newDecoder(path)
	d.value(root, reflect.ValueOf(p).Elem(), "")
	if d.tooMany {
		return nil, dedupe(d.errs)
	}
	v := &validator{decoder: d, ctx: context.Background(), plan: p}
	v.validate()
	if len(d.errs) > 0 {
		return nil, dedupe(d.errs)
	}
	p.applyDefaults()
	return p, nil
}

// yamlLine matches the line yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses data into the node of its single document.
func parseYAML(path string, data []byte) (*yaml.Node, Errors) {
	if p, msg, ok := scanText(data); !ok {
		return nil, Errors{{File: path, Line: p.line, Column: p.column, Msg: msg}}
	}
	if p, deep := scanNesting(data, MaxNesting); deep {
		return nil, Errors{tooDeep(path, p)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: path, Line: 1, Column: 1, Msg: "the plan is empty; expected a mapping with version, stack and checks"}}
		}
		return nil, Errors{syntaxError(path, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, Errors{{File: path, Line: next.Line, Column: next.Column, Msg: "expected a single YAML document, found another one here"}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(path, data, err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, Errors{{File: path, Line: root.Line, Column: root.Column, Msg: "expected a mapping with version, stack and checks, got " + describe(root)}}
	}
	if n, deep := nodeDepth(root, 1, MaxNesting); deep {
		return nil, Errors{tooDeep(path, at(n))}
	}
	return root, nil
}

func tooDeep(path string, p position) *Error {
	return &Error{File: path, Line: p.line, Column: p.column,
		Msg: fmt.Sprintf("the plan nests deeper than %d levels of mappings and lists here; a plan needs fewer than ten", MaxNesting)}
}

// unknownAnchor matches yaml.v3's error for an alias to no anchor, which
// has no position.
var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntaxError turns a YAML parse error into an Error. yaml.v3 reports a
// line but no column, and for some mistakes (a tab, an unclosed quote, a
// bad indentation) a line before or well after the mistake; goccy/go-yaml's
// parser points at the token, so its position and message are used when it
// finds the mistake too, but for misplaced mapping values, which yaml.v3
// places better.
func syntaxError(path string, data []byte, err error) *Error {
	// yaml.v3 leaves the line out of a syntax error on the first line.
	e := &Error{File: path, Line: 1, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "invalid YAML: " + m[2]
	}
	if strings.Contains(err.Error(), "mapping values are not allowed") {
		return e // yaml.v3 has the line of this one right
	}
	if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
		e.Msg = fmt.Sprintf("invalid YAML: unknown anchor '%s' referenced; define it with &%s before its first use", m[1], m[1])
		if p, ok := anchorUse(data, m[1]); ok {
			e.Line, e.Column = p.line, p.column
		}
		return e
	}
	if bracketDepth(data) > MaxNesting {
		// The scan that bounds nesting reads quotes as the parsers do,
		// but this file's quotes are broken: do not risk the parser
		// that is slow on deep brackets.
		return e
	}
	var se *goyaml.SyntaxError
	if _, perr := goparser.ParseBytes(data, 0); errors.As(perr, &se) && se.Token != nil && se.Token.Position != nil {
		e.Line, e.Column = se.Token.Position.Line, se.Token.Position.Column
		e.Msg = "invalid YAML: " + se.Message
	}
	return e
}

// dedupe sorts errs and drops repeats: a value reached twice through a YAML
// alias reports its problems once.
func dedupe(errs Errors) Errors {
	errs.sort()
	out := errs[:0]
	seen := map[Error]bool{}
	for _, e := range errs {
		k := *e
		k.Err = nil
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// unwrapPath drops the path from an *fs.PathError, which the Error already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
