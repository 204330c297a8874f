package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ohler55/ojg/oj"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/jsondup"
	"github.com/postflight/postflight/internal/redirect"
	"github.com/postflight/postflight/internal/retry"
	"github.com/postflight/postflight/slo"
)

// maxBody bounds how much of a response body is read and kept.
const maxBody = 1 << 20

// HTTPChecker runs http checks.
type HTTPChecker struct {
	Client *http.Client
	// Sleep waits between attempts; tests may shorten it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewHTTPChecker returns a checker with its own transport, so that no
// connection is shared with other work of the process.
func NewHTTPChecker() *HTTPChecker {
	return &HTTPChecker{
		Client: &http.Client{
			Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
			CheckRedirect: redirect.WithinOrigin,
		},
		Sleep: sleepCtx,
	}
}

// attempt is the outcome of one request.
type attempt struct {
	answered bool // a response came back
	// final says the answer is wrong for certain, not a service still
	// getting ready: retrying could only turn a broken version into a pass.
	final bool
	// held says the answer met every expectation.
	held     bool
	observed string
	reason   string
}

// Run runs one http check against the stack: up to 1+Retries attempts,
// passing on the first passing one. If no attempt got an answer the check is
// inconclusive: the target could not be measured.
func (h *HTTPChecker) Run(ctx context.Context, c plan.Check, phase string, eps result.Endpoints) (res result.Result) {
	start := time.Now()
	res = result.Result{Name: c.Name, Kind: "http", Phase: phase, Expected: describeExpect(c.Expect)}
	defer func() { res.Duration = time.Since(start) }()

	url, err := checkURL(c, eps)
	if err != nil {
		return res.Unmeasured(err.Error())
	}
	method := c.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	res.Target = method + " " + url

	var last, lastAnswer attempt
	for i := range attempts(c.Retries) {
		if i > 0 {
			if err := h.Sleep(ctx, c.RetryInterval.Or(plan.DefaultRetryInterval)); err != nil {
				break
			}
		}
		res.Attempts++
		last = h.once(ctx, c, method, url)
		if last.answered {
			lastAnswer = last
		}
		if last.held || last.final {
			break
		}
	}
	switch {
	case res.Attempts > 0 && last.answered && last.held:
		res.Observed = last.observed
		res = res.Found(slo.Met("as expected"))
	case ctx.Err() != nil:
		// Cut short: what came back so far is not the version's verdict.
		res.Observed = lastAnswer.observed
		res = res.Unmeasuredf("interrupted after %d attempt(s)", res.Attempts)
	case lastAnswer.answered:
		res.Observed = lastAnswer.observed
		res = res.Found(slo.Missed(lastAnswer.reason))
	default:
		res.Observed = "no answer"
		res = res.Unmeasuredf("no answer in %d attempt(s): %s", res.Attempts, last.reason)
	}
	return res
}

// attempts is how many attempts retries allow: 1 + retries, with retries
// kept within 0 and plan.MaxRetries whatever the plan says, so that the sum
// cannot overflow and a check always makes at least one attempt.
func attempts(retries int) int {
	return 1 + min(max(retries, 0), plan.MaxRetries)
}

func (h *HTTPChecker) once(ctx context.Context, c plan.Check, method, url string) attempt {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout.Or(plan.DefaultCheckTimeout))
	defer cancel()
	var body io.Reader
	if c.Request.Body != "" {
		body = strings.NewReader(c.Request.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return attempt{reason: fmt.Sprintf("build request: %v", err)}
	}
	for k, v := range c.Request.Headers {
		req.Header.Set(k, v)
	}
	// Go sends req.Host, not a Host header: a plan that names a virtual
	// host must reach it, as its load and propagation requests do.
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return attempt{reason: transportReason(err)}
	}
	defer resp.Body.Close()
	// Judge the first maxBody bytes, but only of an answer that ends within
	// the timeout: a body that never ends is no answer any client gets.
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return attempt{reason: fmt.Sprintf("read response body: %v", transportReason(err))}
	}
	a := attempt{answered: true, observed: describeResponse(resp, b)}
	if problems := evaluate(c.Expect, resp, b); len(problems) > 0 {
		a.reason = strings.Join(problems, "; ")
		if a.final = retry.Final(resp.StatusCode); a.final {
			a.reason += fmt.Sprintf(" (a %d is the service's error, not a service getting ready: not retried)", resp.StatusCode)
		}
	} else {
		a.held = true
	}
	return a
}

func checkURL(c plan.Check, eps result.Endpoints) (string, error) {
	if c.URL != "" {
		return c.URL, nil
	}
	if eps == nil {
		return "", fmt.Errorf("no stack to resolve service %q", c.Service)
	}
	base, err := eps.BaseURL(c.Service, c.Port)
	if err != nil {
		return "", fmt.Errorf("resolve service %q: %w", c.Service, err)
	}
	p := c.Request.Path
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return strings.TrimRight(base, "/") + p, nil
}

// evaluate lists every expectation the response does not meet.
func evaluate(e plan.HTTPExpect, resp *http.Response, body []byte) []string {
	var problems []string
	want := e.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		problems = append(problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, want))
	}
	if e.BodyContains != "" && !strings.Contains(string(body), e.BodyContains) {
		problems = append(problems, fmt.Sprintf("body does not contain %q", e.BodyContains))
	}
	if e.BodyRegexp != "" {
		re, err := compileRegexp(e.BodyRegexp)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("body_regexp %q: %v", e.BodyRegexp, err))
		case !re.Match(body):
			problems = append(problems, fmt.Sprintf("body does not match /%s/", e.BodyRegexp))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		// A header sent on several lines is one value, the lines joined
		// (RFC 9110): the first line alone is not what the answer says.
		if got := strings.Join(resp.Header.Values(name), ", "); got != e.Headers[name] {
			problems = append(problems, fmt.Sprintf("header %s is %q, want %q", name, got, e.Headers[name]))
		}
	}
	if len(e.JSON) > 0 {
		problems = append(problems, evaluateJSON(e.JSON, e.JSONTypes, body)...)
	}
	return problems
}

// evaluateJSON checks JSONPath selectors ("$.status", "$.items[*].id")
// against the body. Every value a selector matches, printed as JSON
// without quotes for strings, must equal the expected text, and be of the
// type types names for the selector, if any; with plan.AnyMatch one equal
// value is enough. A selector that matches nothing is a mismatch.
func evaluateJSON(want, types map[string]string, body []byte) []string {
	doc, err := oj.Parse(body)
	if err != nil {
		return []string{fmt.Sprintf("body is not JSON: %v", err)}
	}
	if k, dup := jsondup.Key(body); dup {
		return []string{fmt.Sprintf("body is ambiguous JSON: key %q twice in one object", k)}
	}
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(want)) {
		sel, err := plan.ParseJSONSelector(key)
		if err != nil {
			problems = append(problems, fmt.Sprintf("json selector %q: %v", key, err))
			continue
		}
		if p := matchJSON(sel, want[key], types[key], doc); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// matchJSON says how the values sel selects in doc miss w, of type typ
// when typ is not empty; "" when they meet it.
func matchJSON(sel plan.JSONSelector, w, typ string, doc any) string {
	got, err := getJSON(sel, doc)
	if err != nil {
		return fmt.Sprintf("json selector %q: %v", sel.Path, err)
	}
	var misses []any
	for _, v := range got {
		if !jsonEqual(v, w, typ) {
			misses = append(misses, v)
		}
	}
	want := expectedJSON(w, typ)
	switch {
	case len(got) == 0:
		return fmt.Sprintf("json %s matched nothing, want %s", sel.Path, want)
	case len(misses) == 0 || (sel.Any && len(misses) < len(got)):
		return ""
	case len(got) == 1:
		return fmt.Sprintf("json %s is %s, want %s", sel.Path, jsonValue(got[0]), want)
	case sel.Any:
		return fmt.Sprintf("json %s: none of %d values is %s: %s", sel.Path, len(got), want, jsonValues(misses))
	}
	return fmt.Sprintf("json %s: %d of %d values are not %s: %s", sel.Path, len(misses), len(got), want, jsonValues(misses))
}

// jsonEqual says whether v is the expected text w, and of type typ when
// typ is not empty: a number then equals w as a number (1.0 is 1).
func jsonEqual(v any, w, typ string) bool {
	switch typ {
	case "":
		return jsonText(v) == w
	case plan.JSONNumber:
		return sameNumber(v, w)
	case plan.JSONBoolean:
		b, ok := v.(bool)
		return ok && strconv.FormatBool(b) == w
	case plan.JSONNull:
		return v == nil
	}
	return false
}

// sameNumber says whether the JSON number v is the number written w.
func sameNumber(v any, w string) bool {
	switch n := v.(type) {
	case int64:
		if i, err := strconv.ParseInt(w, 10, 64); err == nil {
			return n == i
		}
		f, err := strconv.ParseFloat(w, 64)
		return err == nil && float64(n) == f
	case float64:
		f, err := strconv.ParseFloat(w, 64)
		return err == nil && n == f
	}
	return false
}

// expectedJSON writes an expected value for a message: quoted when any
// type will do, as JSON writes it when a type is asked for.
func expectedJSON(w, typ string) string {
	if typ == "" {
		return strconv.Quote(w)
	}
	return w
}

// getJSON runs the selector; the JSONPath library has panicked on odd
// expressions, and a check must report that, not crash the run.
func getJSON(sel plan.JSONSelector, doc any) (got []any, err error) {
	defer func() {
		if r := recover(); r != nil {
			got, err = nil, fmt.Errorf("cannot be evaluated: %v", r)
		}
	}()
	return sel.Expr.Get(doc), nil
}

// Bounds on the values a mismatch lists.
const (
	maxListedValues = 5
	maxValueText    = 60
)

// jsonValues lists values as JSON, at most maxListedValues of them.
func jsonValues(vs []any) string {
	parts := make([]string, 0, maxListedValues+1)
	for _, v := range vs[:min(len(vs), maxListedValues)] {
		parts = append(parts, jsonValue(v))
	}
	if len(vs) > maxListedValues {
		parts = append(parts, fmt.Sprintf("and %d more", len(vs)-maxListedValues))
	}
	return strings.Join(parts, ", ")
}

// jsonValue is v as JSON, shortened to maxValueText characters.
func jsonValue(v any) string {
	s := oj.JSON(v, &oj.Options{Sort: true})
	if r := []rune(s); len(r) > maxValueText {
		s = string(r[:maxValueText-3]) + "..."
	}
	return s
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return oj.JSON(v, &oj.Options{Sort: true})
}

func describeExpect(e plan.HTTPExpect) string {
	status := e.Status
	if status == 0 {
		status = http.StatusOK
	}
	parts := []string{fmt.Sprintf("status %d", status)}
	if e.BodyContains != "" {
		parts = append(parts, fmt.Sprintf("body contains %q", e.BodyContains))
	}
	if e.BodyRegexp != "" {
		parts = append(parts, fmt.Sprintf("body matches /%s/", e.BodyRegexp))
	}
	for _, k := range slices.Sorted(maps.Keys(e.JSON)) {
		parts = append(parts, fmt.Sprintf("%s = %s", k, expectedJSON(e.JSON[k], e.JSONTypes[k])))
	}
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		parts = append(parts, fmt.Sprintf("header %s = %q", k, e.Headers[k]))
	}
	return strings.Join(parts, ", ")
}

// describeResponse is the status and the start of the body, on one line.
func describeResponse(resp *http.Response, body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	if s == "" {
		return fmt.Sprintf("status %d, empty body", resp.StatusCode)
	}
	return fmt.Sprintf("status %d, body %s", resp.StatusCode, s)
}

// transportReason names a transport failure the way an operator thinks of it.
func transportReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out waiting for an answer"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	return err.Error()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
