package check

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

type staticEndpoints map[string]string

func (s staticEndpoints) BaseURL(service string, port int) (string, error) {
	u, ok := s[service]
	if !ok {
		return "", fmt.Errorf("no service %q", service)
	}
	return u, nil
}

func dur(d time.Duration) plan.Duration { return plan.Duration{Duration: d, Set: true} }

func TestHTTPCheckExpectations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"ok","version":"1.0.0","items":[{"id":7}]}`)
		case "/components":
			fmt.Fprint(w, `{"components":[{"status":"UP"},{"status":"DOWN"},{"status":"DOWN"}]}`)
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			fmt.Fprintf(w, "auth=%s", r.Header.Get("Authorization"))
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	eps := staticEndpoints{"web": srv.URL}

	tests := []struct {
		name       string
		check      plan.Check
		want       slo.Status
		reasonHas  string
		observeHas string
	}{
		{"status and json match", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/healthz"},
			Expect: plan.HTTPExpect{Status: 200, JSON: map[string]string{"$.status": "ok", "$.items[0].id": "7"}}}, slo.Pass, "as expected", `"status":"ok"`},
		{"wrong status fails with both numbers", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/missing"}},
			slo.Fail, "status 500, want 200", "status 500"},
		{"json value differs", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/healthz"},
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.version": "1.1.0"}}}, slo.Fail, `json $.version is "1.0.0", want "1.1.0"`, ""},
		{"json field missing", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/healthz"},
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.nope": "x"}}}, slo.Fail, `json $.nope matched nothing, want "x"`, ""},
		{"every match of a selector must match", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/components"},
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.components[*].status": "UP"}}}, slo.Fail,
			`json $.components[*].status: 2 of 3 values are not "UP": "DOWN", "DOWN"`, ""},
		{"any match will do when the selector says any", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/components"},
			Expect: plan.HTTPExpect{JSON: map[string]string{"any $.components[*].status": "UP"}}}, slo.Pass, "as expected", ""},
		{"body is not json", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/echo"},
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.a": "x"}}}, slo.Fail, "body is not JSON", ""},
		{"body substring and regexp", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/healthz"},
			Expect: plan.HTTPExpect{BodyContains: `"ok"`, BodyRegexp: `version":"1\.\d+\.\d+"`}}, slo.Pass, "", ""},
		{"regexp mismatch", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/healthz"},
			Expect: plan.HTTPExpect{BodyRegexp: `^nope`}}, slo.Fail, "body does not match /^nope/", ""},
		{"method, headers sent and header expected", plan.Check{Service: "web",
			Request: plan.HTTPRequest{Method: "POST", Path: "/echo", Headers: map[string]string{"Authorization": "Bearer t"}, Body: "x"},
			Expect:  plan.HTTPExpect{BodyContains: "auth=Bearer t", Headers: map[string]string{"X-Method": "POST"}}}, slo.Pass, "", ""},
		{"header differs", plan.Check{Service: "web", Request: plan.HTTPRequest{Path: "/echo"},
			Expect: plan.HTTPExpect{Headers: map[string]string{"X-Method": "PUT"}}}, slo.Fail, `header X-Method is "GET", want "PUT"`, ""},
		{"absolute url", plan.Check{URL: srv.URL + "/healthz"}, slo.Pass, "", ""},
		{"unknown service is inconclusive", plan.Check{Service: "db"}, slo.Inconclusive, `resolve service "db"`, ""},
	}
	h := NewHTTPChecker()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check.Name = "c"
			r := h.Run(context.Background(), tt.check, "check", eps)
			if r.Status != tt.want {
				t.Fatalf("status = %v, want %v (reason %q, observed %q)", r.Status, tt.want, r.Reason, r.Observed)
			}
			if !strings.Contains(r.Reason, tt.reasonHas) {
				t.Errorf("reason %q does not contain %q", r.Reason, tt.reasonHas)
			}
			if !strings.Contains(r.Observed, tt.observeHas) {
				t.Errorf("observed %q does not contain %q", r.Observed, tt.observeHas)
			}
			if r.Expected == "" || r.Attempts != 1 && r.Status != slo.Inconclusive {
				t.Errorf("expected %q, attempts %d", r.Expected, r.Attempts)
			}
		})
	}
}

func TestHTTPCheckRetriesUntilReady(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := plan.Check{Name: "ready", URL: srv.URL, Retries: 5, RetryInterval: dur(time.Millisecond)}
	r := NewHTTPChecker().Run(context.Background(), c, "check", nil)
	if r.Status != slo.Pass || r.Attempts != 3 {
		t.Fatalf("status %v after %d attempts (%s), want pass after 3", r.Status, r.Attempts, r.Reason)
	}

	n.Store(-100) // never ready within the retries
	c.Retries = 2
	r = NewHTTPChecker().Run(context.Background(), c, "check", nil)
	if r.Status != slo.Fail || r.Attempts != 3 || !strings.Contains(r.Reason, "status 503, want 200") {
		t.Fatalf("got %v after %d attempts (%s), want fail after 3 with the status", r.Status, r.Attempts, r.Reason)
	}
}

func TestHTTPCheckCannotMeasureIsInconclusive(t *testing.T) {
	down := nettest.RefusedURL(t)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()

	// Right at first, then a body that never ends: no client ever gets
	// the whole answer.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
		pad := []byte(strings.Repeat(" ", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(pad); err != nil {
				return
			}
		}
	}))
	defer endless.Close()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name      string
		ctx       context.Context
		check     plan.Check
		reasonHas string
	}{
		{"target down", context.Background(), plan.Check{URL: down, Retries: 1, RetryInterval: dur(time.Millisecond)}, "connection refused"},
		{"no answer before timeout", context.Background(), plan.Check{URL: slow.URL, Timeout: dur(50 * time.Millisecond)}, "timed out"},
		{"a body that never ends", context.Background(), plan.Check{URL: endless.URL, Timeout: dur(300 * time.Millisecond),
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.status": "ok"}}}, "read response body: timed out"},
		{"interrupted", cancelled, plan.Check{URL: slow.URL}, "interrupted"},
		{"interrupted while it answered wrong", cancelled, plan.Check{URL: slow.URL + "/missing", Retries: 3}, "interrupted after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check.Name = "c"
			r := NewHTTPChecker().Run(tt.ctx, tt.check, "check", nil)
			if r.Status != slo.Inconclusive {
				t.Fatalf("status = %v, want inconclusive (%s)", r.Status, r.Reason)
			}
			if !strings.Contains(r.Reason, tt.reasonHas) || !strings.HasPrefix(r.Reason, "could not measure") {
				t.Errorf("reason %q, want could not measure ... %q", r.Reason, tt.reasonHas)
			}
		})
	}
}

func TestHTTPCheckAttemptsAreBoundedWhateverTheRetries(t *testing.T) {
	down := nettest.RefusedURL(t)
	tests := []struct {
		name     string
		retries  int
		attempts int
	}{
		{"retries that overflow 1 + retries", math.MaxInt, 1 + plan.MaxRetries},
		{"retries past the limit", plan.MaxRetries + 5, 1 + plan.MaxRetries},
		{"negative retries", -5, 1},
		{"most negative retries", math.MinInt, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHTTPChecker()
			h.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
			r := h.Run(context.Background(), plan.Check{Name: "c", URL: down, Retries: tt.retries}, "check", nil)
			if r.Status != slo.Inconclusive || r.Attempts != tt.attempts {
				t.Fatalf("status %v after %d attempt(s) (%s), want inconclusive after %d", r.Status, r.Attempts, r.Reason, tt.attempts)
			}
		})
	}
}

func TestJSONExpectations(t *testing.T) {
	doc := `{"status":"UP","n":7,"items":[{"id":1,"ok":true},{"id":2,"ok":true},{"id":3,"ok":false}],"empty":[]}`
	many := `{"xs":[` + strings.TrimSuffix(strings.Repeat(`"bad",`, 50), ",") + `]}`
	tests := []struct {
		name string
		body string
		want map[string]string
		// problems are parts of the one problem expected; none for a match.
		problems []string
	}{
		{"single match equal", doc, map[string]string{"$.status": "UP", "$.n": "7"}, nil},
		{"single match differs", doc, map[string]string{"$.status": "DOWN"}, []string{`json $.status is "UP", want "DOWN"`}},
		{"every match equal", doc, map[string]string{"$.items[0:2].ok": "true"}, nil},
		{"one of several differs", doc, map[string]string{"$.items[*].ok": "true"}, []string{`json $.items[*].ok: 1 of 3 values are not "true": false`}},
		{"first matches but the rest do not", doc, map[string]string{"$.items[*].id": "1"}, []string{`2 of 3 values are not "1": 2, 3`}},
		{"any: one match is enough", doc, map[string]string{"any $.items[*].id": "3"}, nil},
		{"any: none matches", doc, map[string]string{"any $.items[*].id": "9"}, []string{`json $.items[*].id: none of 3 values is "9": 1, 2, 3`}},
		{"nothing matched", doc, map[string]string{"$.nope": "x"}, []string{`json $.nope matched nothing, want "x"`}},
		{"an empty list matches nothing", doc, map[string]string{"$.empty[*]": "x"}, []string{"matched nothing"}},
		{"any: nothing matched", doc, map[string]string{"any $.nope[*]": "x"}, []string{`json $.nope[*] matched nothing, want "x"`}},
		{"mismatches are listed up to a bound", many, map[string]string{"$.xs[*]": "good"}, []string{`50 of 50 values are not "good": "bad", "bad"`, "and 45 more"}},
		{"not json", "<html>", map[string]string{"$.a": "x"}, []string{"body is not JSON"}},
		// Clients differ on which of two equal keys counts: no answer to rely on.
		{"a key twice, the last one as expected", `{"status":"DOWN","status":"UP"}`, map[string]string{"$.status": "UP"}, []string{`body is ambiguous JSON: key "status" twice in one object`}},
		{"a key twice, once escaped", `{"status":"DOWN","st\u0061tus":"UP"}`, map[string]string{"$.status": "UP"}, []string{`key "status" twice`}},
		{"a key twice deep inside", `{"a":[{"b":{"c":1,"c":1}}]}`, map[string]string{"$.a[0].b.c": "1"}, []string{`key "c" twice`}},
		{"the same key in two objects", `{"a":{"id":1},"b":{"id":1}}`, map[string]string{"$.a.id": "1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evaluateJSON(tt.want, nil, []byte(tt.body))
			if len(tt.problems) == 0 {
				if len(got) != 0 {
					t.Fatalf("problems %q, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("problems %q, want one containing %q", got, tt.problems)
			}
			for _, part := range tt.problems {
				if !strings.Contains(got[0], part) {
					t.Errorf("problem %q does not contain %q", got[0], part)
				}
			}
		})
	}
}

// A plan that names a virtual host measures that host, as load and
// propagation checks do: an ingress's default host answering well says
// nothing of the host under test.
func TestHTTPCheckSendsTheHostHeaderItIsGiven(t *testing.T) {
	ingress := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "shop.internal" {
			http.Error(w, "shop is down", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, "default backend ok")
	}))
	defer ingress.Close()
	c := plan.Check{Name: "shop", URL: ingress.URL + "/healthz", Request: plan.HTTPRequest{Headers: map[string]string{"Host": "shop.internal"}}}
	r := NewHTTPChecker().Run(context.Background(), c, "check", nil)
	if r.Status != slo.Fail || !strings.Contains(r.Reason, "status 502") {
		t.Fatalf("status %s (%s; observed %s), want a fail naming status 502", r.Status, r.Reason, r.Observed)
	}
}

// A header sent twice is one value, its lines joined (RFC 9110): an
// expectation met by one of the lines alone is not met by the answer.
func TestHTTPCheckJudgesAHeaderSentTwiceAsBothItsValues(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Content-Type", "application/json")
		w.Header().Add("Content-Type", "text/html")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Origin")
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		header, value string
		want          slo.Status
	}{
		{"Content-Type", "application/json", slo.Fail},
		{"Vary", "Accept, Origin", slo.Pass},
	} {
		t.Run(tc.header, func(t *testing.T) {
			c := plan.Check{Name: "h", URL: srv.URL, Expect: plan.HTTPExpect{Headers: map[string]string{tc.header: tc.value}}}
			r := NewHTTPChecker().Run(context.Background(), c, "check", nil)
			if r.Status != tc.want {
				t.Fatalf("got %s (%s), want %s", r.Status, r.Reason, tc.want)
			}
		})
	}
}

// Retries wait for a service getting ready, not for a broken one to answer
// right once: a 500 is final, a 503 (starting) or 404 (not replicated yet)
// is retried.
func TestHTTPCheckDoesNotRetryAServerError(t *testing.T) {
	for _, tt := range []struct {
		first    int
		want     slo.Status
		attempts int
	}{
		{http.StatusInternalServerError, slo.Fail, 1},
		{http.StatusNotImplemented, slo.Fail, 1},
		{http.StatusServiceUnavailable, slo.Pass, 3},
		{http.StatusBadGateway, slo.Pass, 3},
		{http.StatusNotFound, slo.Pass, 3},
	} {
		t.Run(http.StatusText(tt.first), func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) < 3 {
					w.WriteHeader(tt.first)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			defer srv.Close()
			c := plan.Check{Name: "flapping", URL: srv.URL, Retries: 5, RetryInterval: dur(time.Millisecond)}
			r := NewHTTPChecker().Run(context.Background(), c, "check", nil)
			if r.Status != tt.want || r.Attempts != tt.attempts {
				t.Fatalf("%s after %d attempt(s) (%s), want %s after %d", r.Status, r.Attempts, r.Reason, tt.want, tt.attempts)
			}
			if tt.want == slo.Fail && !strings.Contains(r.Reason, "not retried") {
				t.Errorf("reason %q does not say why it was not retried", r.Reason)
			}
		})
	}
}
