package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// kvStore is a key-value store over HTTP: PUT /kv/{key} stores the body
// (failing the writes fail says to fail), GET /kv/{key} answers
// {"value": body} once stored, 404 before. A key that lost says is never
// stored.
type kvStore struct {
	fail func(n int64) bool // n is the write's number, from 1
	lost bool

	writes atomic.Int64
	mu     sync.Mutex
	values map[string]string
}

func (s *kvStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/kv/")
	if r.Method == http.MethodPut {
		if s.fail != nil && s.fail(s.writes.Add(1)) {
			http.Error(w, "disk full", http.StatusInternalServerError)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !s.lost {
			s.mu.Lock()
			s.values[key] = string(body)
			s.mu.Unlock()
		}
		return
	}
	s.mu.Lock()
	v, ok := s.values[key]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"value": v})
}

func newKV(t *testing.T, s *kvStore) string {
	s.values = map[string]string{}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// echoing returns the URL of a server that answers every read with the
// request it got: the path as text, or as {"value": last path element}.
func echoing(t *testing.T, asJSON bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asJSON {
			json.NewEncoder(w).Encode(map[string]string{"value": r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]})
			return
		}
		fmt.Fprintf(w, "you asked for %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func propagationCheck(write, read, field string, samples int, timeout time.Duration, budgets plan.Percentiles) plan.Check {
	return plan.Check{Name: "prop", Kind: plan.KindPropagation,
		Propagation: &plan.Propagation{
			Write: plan.Endpoint{Method: "PUT", URL: write + "/kv/{token}", Body: "{token}"},
			Reads: []plan.Endpoint{{Method: "GET", URL: read + "/kv/{token}"}}, Field: field,
			Samples: samples, Concurrency: 4, Interval: dur(5 * time.Millisecond), Timeout: dur(timeout)},
		Budgets: plan.Budgets{Propagation: budgets}}
}

// Every sample that was not measured is counted and reported, and none of
// these ends in a pass, whatever the budgets say.
func TestPropagationFaultsNeverPass(t *testing.T) {
	t.Parallel()
	generous := plan.Percentiles{P50: lat("1s"), Max: lat("1s")}
	good := newKV(t, &kvStore{})
	lost := newKV(t, &kvStore{lost: true})
	mostlyFailing := newKV(t, &kvStore{fail: func(n int64) bool { return n > 2 }})
	reset := nettest.ResetURL(t)
	refused := nettest.RefusedURL(t)
	for _, tc := range []struct {
		name        string
		write, read string
		field       string
		want        slo.Status
		reasonHas   []string
		observedHas []string
	}{
		{"writes that never show, at a timeout within the budget", lost, lost, "$.value", slo.Fail,
			[]string{"20 of 20 samples never showed"}, []string{"20 written", "0 shown", "20 never shown", "status 404"}},
		{"a read endpoint that resets every connection", good, reset, "", slo.Inconclusive,
			[]string{"never answered", "connection reset"}, nil},
		{"18 of 20 writes failing", mostlyFailing, mostlyFailing, "$.value", slo.Fail,
			[]string{"18 of 20 samples failed to write"}, []string{"2 written", "18 failed to write", "status 500", "disk full", "2 shown"}},
		{"a read endpoint that echoes the request, no field", lost, echoing(t, false), "", slo.Inconclusive,
			[]string{"shows the token before it was written", "echoes the request"}, nil},
		{"a read endpoint that echoes the request into the field", lost, echoing(t, true), "$.value", slo.Inconclusive,
			[]string{"shows the token before it was written", "echoes the request"}, nil},
		{"a write endpoint that is down", refused, good, "$.value", slo.Inconclusive,
			[]string{"no write got an answer", "connection refused"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := propagationCheck(tc.write, tc.read, tc.field, 20, 300*time.Millisecond, generous)
			r := RunPropagation(context.Background(), c, "check", nil)
			t.Logf("%s: %s; observed %s", r.Status, r.Reason, r.Observed)
			if r.Status != tc.want {
				t.Errorf("status %s, want %s", r.Status, tc.want)
			}
			for _, s := range tc.reasonHas {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("reason %q, want %q in it", r.Reason, s)
				}
			}
			for _, s := range tc.observedHas {
				if !strings.Contains(r.Observed, s) {
					t.Errorf("observed %q, want %q in it", r.Observed, s)
				}
			}
		})
	}
}

// A load check whose budgets failed stays failed when its propagation could
// not be measured: the evidence of the failure stands.
func TestLoadFailingItsBudgetsStaysFailedWhenPropagationIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "you asked for %s", r.URL.Path)
	}))
	defer srv.Close()
	c := loadCheck(20, time.Second, plan.Budgets{ErrorRate: ratio("10%"), Propagation: plan.Percentiles{P50: lat("100ms")}})
	c.Propagation = propagationCheck(srv.URL, srv.URL, "", 4, 300*time.Millisecond, plan.Percentiles{}).Propagation
	r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": srv.URL}, nil)
	t.Logf("%s: %s", r.Status, r.Reason)
	if r.Status != slo.Fail || !strings.Contains(r.Reason, "error rate") || !strings.Contains(r.Reason, "echoes the request") {
		t.Errorf("status %s, reason %q: want fail on the error rate, and the echo named", r.Status, r.Reason)
	}
}
