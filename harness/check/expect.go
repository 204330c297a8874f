package check

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/postflight/postflight/harness/load"
	"github.com/postflight/postflight/harness/plan"
)

// targetExpect is what a load target's answers must be: the target's own
// expect, else the check's; ok is false when neither is given, and a 2xx or
// 3xx status will do.
func targetExpect(c plan.Check, t plan.Endpoint) (e plan.HTTPExpect, ok bool) {
	if t.Expect != nil {
		return *t.Expect, true
	}
	e = c.Expect
	if e.Status == 0 && e.BodyContains == "" && e.BodyRegexp == "" && len(e.JSON) == 0 && len(e.Headers) == 0 {
		return e, false
	}
	return e, true
}

// judgeAnswer judges load answers with the http check's expectations: the
// problems it finds are the reason, the answer itself the example.
func judgeAnswer(e plan.HTTPExpect) load.Judge {
	return func(a load.Answer) (load.Reason, string) {
		resp := &http.Response{StatusCode: a.Status, Header: a.Header}
		problems := evaluate(e, resp, a.Body)
		if len(problems) == 0 {
			return "", ""
		}
		return load.Reason(strings.Join(problems, "; ")), describeResponse(resp, a.Body)
	}
}

// regexps holds each body_regexp compiled once: a load check judges
// thousands of answers against the same one.
var regexps sync.Map // pattern -> regexpOrError

type regexpOrError struct {
	re  *regexp.Regexp
	err error
}

// compileRegexp is regexp.Compile, remembered.
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	if c, ok := regexps.Load(pattern); ok {
		return c.(regexpOrError).re, c.(regexpOrError).err
	}
	re, err := regexp.Compile(pattern)
	regexps.Store(pattern, regexpOrError{re, err})
	return re, err
}

// readsBody says whether judging against e needs the answers' bodies.
func readsBody(e plan.HTTPExpect) bool {
	return e.BodyContains != "" || e.BodyRegexp != "" || len(e.JSON) > 0
}

// describeLoadExpect says what the answers of a load check must be, when
// the plan says more than a 2xx or 3xx status.
func describeLoadExpect(c plan.Check) string {
	if c.Load == nil {
		return ""
	}
	byExpect := map[string][]string{}
	for _, t := range c.Load.Targets {
		if e, ok := targetExpect(c, t); ok {
			d := describeExpect(e)
			byExpect[d] = append(byExpect[d], cmp.Or(t.Path, t.URL))
		}
	}
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(byExpect)) {
		parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(byExpect[d], ", "), d))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; answers " + strings.Join(parts, "; ")
}
