package plan

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// jsonTypes records in e the JSON type each unquoted number, boolean or
// null of its json mapping n demands, and writes the value as JSON writes
// it (1.50 as 1.5, ~ as null), so that text compares equal to text. A
// service that answers "1" where the plan wrote 1 has changed its API: the
// text alone must not pass it. Quoted values and merged entries keep
// their text in any type.
func jsonTypes(n *yaml.Node, e *HTTPExpect) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if _, decoded := e.JSON[k.Value]; !decoded || v.Kind != yaml.ScalarNode || v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			continue
		}
		typ, text, ok := jsonScalar(v)
		if !ok {
			continue
		}
		if e.JSONTypes == nil {
			e.JSONTypes = map[string]string{}
		}
		e.JSONTypes[k.Value], e.JSON[k.Value] = typ, text
	}
}

// jsonScalar is the JSON type and text of a YAML scalar that is a number,
// a boolean or null.
func jsonScalar(v *yaml.Node) (typ, text string, ok bool) {
	switch v.ShortTag() {
	case "!!null":
		return JSONNull, "null", true
	case "!!bool":
		var b bool
		if v.Decode(&b) != nil {
			return "", "", false
		}
		return JSONBoolean, strconv.FormatBool(b), true
	case "!!int", "!!float":
		var f float64
		if v.Decode(&f) != nil {
			return "", "", false
		}
		if i, err := strconv.ParseInt(v.Value, 0, 64); err == nil && v.ShortTag() == "!!int" {
			return JSONNumber, strconv.FormatInt(i, 10), true
		}
		return JSONNumber, strconv.FormatFloat(f, 'g', -1, 64), true
	}
	return "", "", false
}
