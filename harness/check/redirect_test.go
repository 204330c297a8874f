package check

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
