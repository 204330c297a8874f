package plan

import (
	"bytes"
	"context"
	"errors"
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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read the plan: " + unwrapPath(err).Error(), Err: err}}
	}
	return Parse(path, data)
}

// Parse decodes and validates a plan read from path; path names the file in
// errors, and relative paths inside the plan (the compose file) are
// relative to its directory. Every problem found is returned, together, as
// an Errors. On success the plan has its defaults filled in.
func Parse(path string, data []byte) (*Plan, error) {
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
	return root, nil
}

// syntaxError turns a YAML parse error into an Error. yaml.v3 reports a
// line but no column, and for some mistakes (a tab, an unclosed quote, a
// bad indentation) a line before or well after the mistake; goccy/go-yaml's
// parser points at the token, so its position and message are used when it
// finds the mistake too, but for misplaced mapping values, which yaml.v3
// places better.
func syntaxError(path string, data []byte, err error) *Error {
	e := &Error{File: path, Msg: "invalid YAML: " + err.Error(), Err: err}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "invalid YAML: " + m[2]
	}
	if strings.Contains(err.Error(), "mapping values are not allowed") {
		return e // yaml.v3 has the line of this one right
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
