package engine

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

// What a service answers reaches consoles, reports, a rollback command's
// environment and webhooks through a check's result: terminal escapes, NUL
// bytes, echoed credentials and megabytes of body must not.
func TestRunMakesTheServicesAnswerSafe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprintf(w, "\x1b[2J\x1b[31mdown\x00 Authorization: %s\n%s", r.Header.Get("Authorization"), strings.Repeat("x", 1<<20))
	}))
	defer srv.Close()
	c := plan.Check{Name: "echo", Kind: plan.KindHTTP, URL: srv.URL + "/?api_key=k3y",
		Request: plan.HTTPRequest{Headers: map[string]string{"Authorization": "Bearer s3cret"}},
		Expect:  plan.HTTPExpect{Status: 200}}
	r := RunCheck(context.Background(), c, Env{Phase: PhaseCheck})
	if r.Status != slo.Fail {
		t.Fatalf("status %s, want fail: %s", r.Status, r.Reason)
	}
	for field, text := range map[string]string{"target": r.Target, "expected": r.Expected, "observed": r.Observed, "reason": r.Reason} {
		for _, bad := range []string{"\x1b", "\x00", "s3cret", "k3y"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s carries %q: %q", field, bad, text)
			}
		}
		if len(text) > 8<<10 {
			t.Errorf("%s is %d bytes long", field, len(text))
		}
	}
	if !strings.Contains(r.Observed, "down") || !strings.Contains(r.Reason, "500") {
		t.Errorf("the answer's substance is lost: observed %q, reason %q", r.Observed, r.Reason)
	}
}
