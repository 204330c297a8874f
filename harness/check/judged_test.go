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
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// runLoad runs c against url as the check's service.
func runLoad(t *testing.T, c plan.Check, url string) result.Result {
	t.Helper()
	r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": url}, nil)
	t.Logf("%s: %s\nexpected %s\nobserved %s", r.Status, r.Reason, r.Expected, r.Observed)
	return r
}

// A load check whose budgets name only latency still judges its errors,
// and a failure's latency is not the service's.
func TestLoadWithLatencyOnlyBudgetsJudgesErrors(t *testing.T) {
	latencyOnly := plan.Budgets{Latency: plan.Percentiles{P50: lat("1s")}}
	var n atomic.Int64
	halfHang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			<-r.Context().Done()
		}
	}))
	defer halfHang.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer failing.Close()

	for _, tc := range []struct {
		name, url string
		reasonHas []string
	}{
		{"every answer a 503", failing.URL, []string{"error rate 100% exceeds budget 0.1%", "status 503"}},
		{"half the requests time out", halfHang.URL, []string{"error rate 5", "exceeds budget 0.1%", "timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCheck(40, time.Second, latencyOnly)
			c.Timeout = dur(200 * time.Millisecond)
			r := runLoad(t, c, tc.url)
			if r.Status != slo.Fail {
				t.Errorf("status %s, want fail", r.Status)
			}
			for _, want := range tc.reasonHas {
				if !strings.Contains(r.Reason+" "+r.Observed, want) {
					t.Errorf("reason and observed do not say %q", want)
				}
			}
		})
	}
}

// Budgets so loose that they allow every request to fail still do not
// pass a check that got no answer as expected.
func TestLoadWithNoAnswerAsExpectedNeverPasses(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer failing.Close()
	r := runLoad(t, loadCheck(40, time.Second, plan.Budgets{ErrorRate: ratio("100%")}), failing.URL)
	if r.Status != slo.Fail || !strings.Contains(r.Reason, "no answer was as expected: status 503 x") {
		t.Errorf("status %s, reason %q: want fail, no answer as expected", r.Status, r.Reason)
	}
}

func TestLoadOnATargetKilledMidRunNeverPassesAndTimesOnlyItsAnswers(t *testing.T) {
	const service = 50 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nettest.Hold(time.Now(), service)
	}))
	defer srv.Close()
	time.AfterFunc(time.Second, srv.Close) // 200ms warm-up, then 800ms of answers, then refused
	c := loadCheck(50, 2*time.Second, plan.Budgets{Latency: plan.Percentiles{P50: lat("1s")}, ErrorRate: ratio("50%")})
	r := runLoad(t, c, srv.URL)
	if r.Status == slo.Pass {
		t.Fatalf("passed: %s", r.Reason)
	}
	if !strings.Contains(r.Observed, "connection refused") {
		t.Errorf("observed %q does not name the refusals", r.Observed)
	}
	p50 := time.Duration(objective(t, r, "p50 latency").Observed.Value * float64(time.Second))
	if math.Abs(float64(p50-service)) > 0.1*float64(service) {
		t.Errorf("p50 %s, want the service's %s within 10%%: refusals' latencies left out", p50, service)
	}
}

func TestLoadJudgesEveryAnswerAgainstItsExpect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/degraded":
			fmt.Fprint(w, `{"status":"degraded"}`)
		case "/made":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"status":"ok"}`)
		default:
			fmt.Fprint(w, `{"status":"ok"}`)
		}
	}))
	defer srv.Close()
	wantOK := plan.HTTPExpect{JSON: map[string]string{"$.status": "ok"}}
	made := &plan.HTTPExpect{Status: http.StatusCreated}

	for _, tc := range []struct {
		name      string
		expect    plan.HTTPExpect
		targets   []plan.Endpoint
		want      slo.Status
		reasonHas string
	}{
		{"degraded 200s fail on the json", wantOK, []plan.Endpoint{{Method: "GET", Path: "/degraded"}},
			slo.Fail, `json $.status is "degraded", want "ok" x`},
		{"without an expect a degraded 200 is a success", plan.HTTPExpect{}, []plan.Endpoint{{Method: "GET", Path: "/degraded"}},
			slo.Pass, "all 2 objectives met"},
		{"a target's expect overrides the check's", wantOK, []plan.Endpoint{{Method: "GET", Path: "/ok"}, {Method: "POST", Path: "/made", Expect: made}},
			slo.Pass, "all 2 objectives met"},
		{"the check's expect applies to targets without one", wantOK, []plan.Endpoint{{Method: "GET", Path: "/ok"}, {Method: "POST", Path: "/made"}},
			slo.Fail, "status 201, want 200 x"},
		{"a target's expect is its own only", wantOK, []plan.Endpoint{{Method: "GET", Path: "/degraded", Expect: made}, {Method: "GET", Path: "/ok"}},
			slo.Fail, `status 200, want 201 x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCheck(100, 1500*time.Millisecond, plan.Budgets{Latency: plan.Percentiles{P50: lat("1s")}, ErrorRate: ratio("1%")})
			c.Expect, c.Load.Targets = tc.expect, tc.targets
			r := runLoad(t, c, srv.URL)
			if r.Status != tc.want || !strings.Contains(r.Reason+" "+r.Observed, tc.reasonHas) {
				t.Errorf("status %s, want %s with %q", r.Status, tc.want, tc.reasonHas)
			}
		})
	}
}

func TestLoadThatCouldNotSendTheAskedRateIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(100 * time.Millisecond) }))
	defer srv.Close()
	c := loadCheck(50, time.Second, plan.Budgets{ErrorRate: ratio("5%")})
	c.Load.MaxWorkers = 2
	r := runLoad(t, c, srv.URL)
	if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, "of the 50/s asked") || !strings.Contains(r.Reason, "all 2 workers were busy") {
		t.Errorf("status %s, reason %q: want inconclusive naming asked and achieved rates and the busy workers", r.Status, r.Reason)
	}
}

func TestLoadHeldToTheDefaultErrorRateNeedsItsRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	r := runLoad(t, loadCheck(50, time.Second, plan.Budgets{Latency: plan.Percentiles{P50: lat("1s")}}), srv.URL)
	if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, "error rate: too few samples") || !strings.Contains(r.Expected, "error rate <= 0.1%") {
		t.Errorf("status %s, reason %q, expected %q: want the default error rate, inconclusive on 50 requests", r.Status, r.Reason, r.Expected)
	}
}

func TestCompileRegexpCompilesEachPatternOnce(t *testing.T) {
	a, errA := compileRegexp(`"version":"1\.4\.\d+"`)
	b, errB := compileRegexp(`"version":"1\.4\.\d+"`)
	if errA != nil || errB != nil || a != b {
		t.Errorf("compiled %p (%v) then %p (%v), want one regexp", a, errA, b, errB)
	}
	for range 2 {
		if _, err := compileRegexp("("); err == nil {
			t.Error("an invalid pattern compiled")
		}
	}
}
