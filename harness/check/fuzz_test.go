package check

import (
	"strings"
	"testing"

	"github.com/ohler55/ojg/oj"

	"github.com/postflight/postflight/harness/plan"
)

// FuzzJSONExpect runs a JSON expectation (selector and expected value)
// against a document. Whatever the three, it does not panic, a problem's
// text stays bounded, and no problem means the selector matched and every
// match (one, after "any ") equals the expected value.
func FuzzJSONExpect(f *testing.F) {
	doc := `{"status":"UP","components":[{"status":"UP"},{"status":"DOWN"}],"n":7,"e":[]}`
	for _, seed := range []struct{ sel, want, doc string }{
		{"$.status", "UP", doc},
		{"$.components[*].status", "UP", doc},
		{"any $.components[*].status", "UP", doc},
		{"$..status", "UP", doc},
		{"$.e[*]", "x", doc},
		{"$.n", "7", doc},
		{"$[?(@.status == 'UP')]", "x", `[{"status":"UP"}]`},
		{"$.a", "x", "not json"},
		{"status", "x", doc},
	} {
		f.Add(seed.sel, seed.want, []byte(seed.doc))
	}
	f.Fuzz(func(t *testing.T, sel, want string, body []byte) {
		problems := evaluateJSON(map[string]string{sel: want}, nil, body)
		for _, p := range problems {
			if limit := 1000 + 6*(len(sel)+len(want)); len(p) > limit {
				t.Errorf("problem of %d bytes: %.200s", len(p), p)
			}
		}
		if len(problems) > 0 {
			return
		}
		s, err := plan.ParseJSONSelector(sel)
		if err != nil {
			t.Fatalf("selector %q does not parse (%v) but the expectation held", sel, err)
		}
		doc, err := oj.Parse(body)
		if err != nil {
			t.Fatalf("body %q is not JSON (%v) but the expectation held", body, err)
		}
		got := s.Expr.Get(doc)
		equal := 0
		for _, v := range got {
			if jsonText(v) == want {
				equal++
			}
		}
		switch {
		case len(got) == 0:
			t.Errorf("%s = %q held on %q, which it matches nothing of", sel, want, body)
		case s.Any && equal == 0, !s.Any && equal != len(got):
			t.Errorf("%s = %q held on %q: %d of %d values equal", sel, want, strings.TrimSpace(string(body)), equal, len(got))
		}
	})
}
