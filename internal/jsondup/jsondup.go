// Package jsondup finds keys given twice in one JSON object.
package jsondup

import (
	"bytes"
	"encoding/json"
)

// keyScope is an object or array being read, for Key.
type keyScope struct {
	object  bool
	wantKey bool // the next token of the object is a key, or its end
	keys    map[string]bool
}

// Key returns a key that appears twice in one object of the JSON document
// body, compared after unescaping ("st\u0061tus" is "status"). Clients
// differ on which of the two counts, so an answer that has one says two
// things at once: a check must not pick the one it expects.
func Key(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*keyScope
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // the end, or not JSON: the parser says so
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				top := stack[n-1]
				if top.keys[k] {
					return k, true
				}
				top.keys[k], top.wantKey = true, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &keyScope{object: true, wantKey: true, keys: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &keyScope{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}
