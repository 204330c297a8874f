package propagation

import (
	"encoding/hex"
	"testing"
)

func TestNewTokenIsFreshHex(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := newToken()
		if _, err := hex.DecodeString(tok); err != nil || len(tok) != 2*tokenBytes {
			t.Fatalf("token %q: want %d hex digits", tok, 2*tokenBytes)
		}
		if seen[tok] {
			t.Fatalf("token %q twice", tok)
		}
		seen[tok] = true
	}
}

func TestRequestWithPutsTheTokenEverywhere(t *testing.T) {
	r := Request{
		Method:  "PUT",
		URL:     "http://127.0.0.1/kv/{token}?v={token}",
		Headers: map[string]string{"X-Token": "t={token}", "X-Other": "fixed"},
		Body:    []byte(`{"a":"{token}","b":"{token}"}`),
	}
	got := r.with("abc")
	if got.URL != "http://127.0.0.1/kv/abc?v=abc" || got.Headers["X-Token"] != "t=abc" ||
		got.Headers["X-Other"] != "fixed" || string(got.Body) != `{"a":"abc","b":"abc"}` {
		t.Errorf("with(abc) = %+v", got)
	}
	if r.URL != "http://127.0.0.1/kv/{token}?v={token}" || r.Headers["X-Token"] != "t={token}" || string(r.Body) != `{"a":"{token}","b":"{token}"}` {
		t.Errorf("with changed the template: %+v", r)
	}
}
