package plan

import (
	"errors"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// AnyMatch starts a key of expect.json whose selector may match several
// values of which one equal to the expected value is enough:
// "any $.items[*].id". Without it every value the selector matches must
// equal the expected one.
const AnyMatch = "any "

// JSONSelector is a key of expect.json, parsed.
type JSONSelector struct {
	// Path is the JSONPath as written, without AnyMatch.
	Path string
	Expr jp.Expr
	// Any says one matching value is enough.
	Any bool
}

// ParseJSONSelector reads a key of expect.json: a JSONPath starting with
// $, optionally after AnyMatch.
func ParseJSONSelector(key string) (JSONSelector, error) {
	s := JSONSelector{Path: key}
	if rest, ok := strings.CutPrefix(key, AnyMatch); ok {
		s.Path, s.Any = strings.TrimLeft(rest, " "), true
	}
	x, err := parseJSONPath(s.Path)
	s.Expr = x
	return s, err
}

// parseJSONPath parses a JSONPath that must start at the document's root.
func parseJSONPath(path string) (x jp.Expr, err error) {
	if !strings.HasPrefix(path, "$") {
		return nil, errors.New("it must start with $")
	}
	// The parser has panicked on some malformed input; a plan's selector
	// is an error to report, never a crash.
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, errors.New("it does not parse")
		}
	}()
	return jp.ParseString(path)
}
