package check

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/slo"
)

// A check measures its target: a redirect within the target is followed, a
// redirect to a healthy service elsewhere is judged as the answer it is.
func TestHTTPCheckFollowsRedirectsOnlyWithinItsTarget(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer healthy.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/healthz", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/healthz":
			fmt.Fprint(w, `{"status":"ok"}`)
		default:
			http.Redirect(w, r, healthy.URL+"/healthz", http.StatusFound)
		}
	}))
	defer broken.Close()
	expect := plan.HTTPExpect{JSON: map[string]string{"$.status": "ok"}}
	tests := []struct {
		path   string
		want   slo.Status
		reason string
	}{
		{"/moved", slo.Pass, ""},
		{"/elsewhere", slo.Fail, "status 302"},
		{"/loop", slo.Inconclusive, "redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := plan.Check{Name: "health", URL: broken.URL + tt.path, Expect: expect}
			r := NewHTTPChecker().Run(context.Background(), c, "check", nil)
			if r.Status != tt.want || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("got %s (%s), want %s naming %q", r.Status, r.Reason, tt.want, tt.reason)
			}
		})
	}
}

// redirecting returns the URL of a broken service that answers nothing
// itself and redirects every request, with its path, to target.
func redirecting(t *testing.T, target string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A load check measures its target: answers fetched from a healthy service
// the target redirects to are not the target's, whatever the check expects
// of them.
func TestLoadCheckDoesNotMeasureAServiceItsTargetRedirectsTo(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer healthy.Close()
	broken := redirecting(t, healthy.URL)
	for _, tc := range []struct {
		name   string
		expect plan.HTTPExpect
		reason string
	}{
		{"with an expect", plan.HTTPExpect{JSON: map[string]string{"$.status": "ok"}}, "status 307, want 200"},
		{"with the default expect", plan.HTTPExpect{}, "redirect off the target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCheck(50, time.Second, plan.Budgets{ErrorRate: ratio("5%")})
			c.Expect = tc.expect
			r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": broken}, nil)
			t.Logf("%s: %s; observed %s", r.Status, r.Reason, r.Observed)
			if r.Status != slo.Fail || !strings.Contains(r.Observed, tc.reason) {
				t.Fatalf("status %s, observed %q: want a fail naming %q", r.Status, r.Observed, tc.reason)
			}
		})
	}
}

// A replica that never replicates, and redirects its reads to the writer,
// shows every token at once: a propagation check must not take the
// writer's answer for the replica's.
func TestPropagationCheckDoesNotReadFromAServiceItsReadRedirectsTo(t *testing.T) {
	writer := newKV(t, &kvStore{})
	replica := redirecting(t, writer)
	c := propagationCheck(writer, replica, "$.value", 4, 300*time.Millisecond, plan.Percentiles{P50: lat("200ms")})
	r := RunPropagation(context.Background(), c, "check", nil)
	t.Logf("%s: %s; observed %s", r.Status, r.Reason, r.Observed)
	if r.Status != slo.Fail || !strings.Contains(r.Reason, "status 307") {
		t.Fatalf("status %s, reason %q: want a fail naming the redirect", r.Status, r.Reason)
	}
}
