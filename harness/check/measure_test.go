package check

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

func lat(s string) *slo.Latency {
	l, err := slo.ParseLatency(s)
	if err != nil {
		panic(err)
	}
	return &l
}

func ratio(s string) *slo.Ratio {
	r, err := slo.ParseRatio(s)
	if err != nil {
		panic(err)
	}
	return &r
}

// loadCheck tolerates a rate up to half short of the rate asked: these
// tests judge answers, not the generator, whose machine may be busy.
func loadCheck(rate slo.Rate, d time.Duration, b plan.Budgets) plan.Check {
	return plan.Check{Name: "load", Kind: plan.KindLoad, Service: "svc", Timeout: dur(time.Second),
		Load: &plan.LoadSpec{Rate: rate, Duration: dur(d), Warmup: dur(200 * time.Millisecond),
			Targets: []plan.Endpoint{{Method: "GET", Path: "/", Weight: 1}}, RateTolerance: ratio("50%")},
		Budgets: b}
}

func objective(t *testing.T, r result.Result, name string) slo.Evaluation {
	t.Helper()
	for _, e := range r.Objectives {
		if e.Objective == name {
			return e
		}
	}
	t.Fatalf("no objective %q in %+v", name, r.Objectives)
	return slo.Evaluation{}
}

// Accuracy against a known truth: a service that answers after 20ms.
func TestLoadMeasuresAFixedDelay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nettest.Hold(time.Now(), 20*time.Millisecond)
	}))
	defer srv.Close()
	c := loadCheck(50, 2*time.Second, plan.Budgets{Latency: plan.Percentiles{P50: lat("25ms"), P90: lat("40ms")}, ErrorRate: ratio("1%")})
	var lines []string
	r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": srv.URL}, func(l string) { lines = append(lines, l) })
	if r.Status != slo.Pass {
		t.Fatalf("status %s: %s (%s)", r.Status, r.Reason, r.Observed)
	}
	p50 := objective(t, r, "p50 latency").Observed.Value * 1000 // ms
	// Every request was held 20ms: less is a wrong measurement; more than
	// 15% over counts more than the request (a loaded machine stays within).
	if p50 < 19.8 || p50 > 23 {
		t.Errorf("measured p50 %.2fms, want 20ms to +15%%", p50)
	}
	if len(lines) == 0 || !strings.Contains(lines[0], "load load: ") || !strings.Contains(lines[0], "sent") {
		t.Errorf("progress lines %q", lines)
	}
	// The report draws the window: the asked rate, every request in a
	// bucket, the latencies in the histogram.
	if l := r.Load; l == nil || l.Rate != 50 || l.Latency == nil || l.Latency.Count != len(r.Latencies) || l.Window != 2*time.Second {
		t.Errorf("drawn load %+v for %d latencies", l, len(r.Latencies))
	} else {
		sum := 0
		for _, b := range l.Series.Buckets {
			sum += b.Requests
		}
		if sum != len(r.Latencies) {
			t.Errorf("buckets hold %d requests, %d latencies measured", sum, len(r.Latencies))
		}
	}
	t.Logf("p50 %.3fms; %s", p50, r.Observed)
}

// Accuracy against a known truth: a store whose reads show a write 100ms
// after it was written.
func TestPropagationMeasuresAFixedDelay(t *testing.T) {
	var mu sync.Mutex
	written := map[string]time.Time{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			written[string(b)] = time.Now()
			return
		}
		tok := strings.TrimPrefix(r.URL.Path, "/kv/")
		if at, ok := written[tok]; ok && time.Since(at) >= 100*time.Millisecond {
			fmt.Fprintf(w, `{"value":%q}`, tok)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := plan.Check{Name: "prop", Kind: plan.KindPropagation, Service: "svc",
		Propagation: &plan.Propagation{
			Write: plan.Endpoint{Method: "PUT", Path: "/kv/{token}", Body: "{token}"},
			Reads: []plan.Endpoint{{Method: "GET", Path: "/kv/{token}"}}, Field: "$.value",
			Samples: 20, Concurrency: 5, Interval: dur(2 * time.Millisecond), Timeout: dur(2 * time.Second)},
		Budgets: plan.Budgets{Propagation: plan.Percentiles{P50: lat("150ms"), Max: lat("1s")}}}
	r := RunPropagation(context.Background(), c, "check", staticEndpoints{"svc": srv.URL})
	if r.Status != slo.Pass {
		t.Fatalf("status %s: %s (%s)", r.Status, r.Reason, r.Observed)
	}
	p50 := objective(t, r, "propagation p50").Observed.Value * 1000
	if math.Abs(p50-100) > 10 {
		t.Errorf("measured propagation p50 %.2fms, want 100ms within 10ms", p50)
	}
	if h := r.Propagation; h == nil || h.Count != 20 || h.Min < 80*time.Millisecond || h.Max > time.Second {
		t.Errorf("propagation delays drawn: %+v, want 20 of about 100ms", h)
	}

	// A budget below the truth fails, naming the objective and by how much.
	c.Budgets.Propagation.P50 = lat("50ms")
	r = RunPropagation(context.Background(), c, "check", staticEndpoints{"svc": srv.URL})
	if r.Status != slo.Fail || !strings.Contains(r.Reason, "propagation p50") || !strings.Contains(r.Reason, "exceeds budget 50ms by") {
		t.Errorf("status %s, reason %q", r.Status, r.Reason)
	}
}

// Faults end in fail or inconclusive with the reason, never pass.
func TestLoadFaultsNeverPass(t *testing.T) {
	budgets := plan.Budgets{Latency: plan.Percentiles{P50: lat("1s")}, ErrorRate: ratio("50%")}
	killed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	go func() { time.Sleep(700 * time.Millisecond); killed.Close() }()
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer reset.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	defer slow.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer failing.Close()

	tests := []struct {
		name      string
		url       string
		timeout   time.Duration
		want      slo.Status
		reasonHas string
	}{
		{"target killed during load", killed.URL, time.Second, slo.Fail, "error rate"},
		{"target down", nettest.RefusedURL(t), time.Second, slo.Inconclusive, "no request got an answer: connection refused"},
		{"connections reset", reset.URL, time.Second, slo.Inconclusive, "no request got an answer: connection reset"},
		{"slower than the timeout", slow.URL, 200 * time.Millisecond, slo.Inconclusive, "no request got an answer: timeout"},
		{"answers 503", failing.URL, time.Second, slo.Fail, "error rate 100% exceeds budget 50%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadCheck(40, 1500*time.Millisecond, budgets)
			c.Timeout = dur(tt.timeout)
			r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": tt.url}, nil)
			if r.Status != tt.want || !strings.Contains(r.Reason, tt.reasonHas) {
				t.Errorf("status %s, reason %q; want %s with %q (observed %s)", r.Status, r.Reason, tt.want, tt.reasonHas, r.Observed)
			}
		})
	}
}

func TestLoadInterruptedIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c := loadCheck(40, 10*time.Second, plan.Budgets{ErrorRate: ratio("1%")})
	start := time.Now()
	r := RunLoad(ctx, c, "check", staticEndpoints{"svc": srv.URL}, nil)
	if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, "interrupted") {
		t.Errorf("status %s, reason %q", r.Status, r.Reason)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s to stop", time.Since(start))
	}
}

func TestPropagationWritesFailing(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	for _, tt := range []struct {
		name, url string
		want      slo.Status
		reasonHas string
	}{
		{"writes answered 500: the version's fault", failing.URL, slo.Fail, "3 of 3 samples failed to write (status 500 x3)"},
		{"writes and reads not answered: not measurable", nettest.RefusedURL(t), slo.Inconclusive, "never answered: connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := plan.Check{Name: "prop", Kind: plan.KindPropagation, Service: "svc",
				Propagation: &plan.Propagation{Write: plan.Endpoint{Method: "PUT", Path: "/kv/{token}"},
					Reads: []plan.Endpoint{{Method: "GET", Path: "/kv/{token}"}}, Samples: 3, Concurrency: 1,
					Interval: dur(5 * time.Millisecond), Timeout: dur(time.Second)},
				Budgets: plan.Budgets{Propagation: plan.Percentiles{Max: lat("1s")}}}
			r := RunPropagation(context.Background(), c, "check", staticEndpoints{"svc": tt.url})
			if r.Status != tt.want || !strings.Contains(r.Reason, tt.reasonHas) {
				t.Errorf("status %s, reason %q; want %s with %q", r.Status, r.Reason, tt.want, tt.reasonHas)
			}
		})
	}
}

// A target the plan names but the load never reached in its measured
// window was not measured: its answers, right or wrong, are unknown.
func TestLoadWithATargetNeverRequestedIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "broken", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := loadCheck(20, time.Second, plan.Budgets{ErrorRate: ratio("5%")})
	c.Load.Targets = []plan.Endpoint{{Method: "GET", Path: "/", Weight: 1000}, {Method: "GET", Path: "/broken", Weight: 1}}
	r := RunLoad(context.Background(), c, "check", staticEndpoints{"svc": srv.URL}, nil)
	t.Logf("%s: %s; observed %s", r.Status, r.Reason, r.Observed)
	if r.Status != slo.Inconclusive || !strings.Contains(r.Reason, "/broken") || !strings.Contains(r.Reason, "no measured request went to") {
		t.Fatalf("status %s, reason %q: want inconclusive naming the target that got no request", r.Status, r.Reason)
	}
}
