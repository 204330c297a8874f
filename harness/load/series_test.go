package load

import (
	"net/http"
	"testing"
	"time"
)

// A service that slows down and then fails halfway through a run shows it
// over time: the buckets add up to the run's figures, the slow half's
// percentiles are above the fast half's, and the errors are in the buckets
// of the second half only.
func TestRunDrawsTheWindowOverTime(t *testing.T) {
	t.Parallel()
	var half time.Time
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if time.Now().After(half) {
			hold(time.Now(), 30*time.Millisecond)
			if time.Now().UnixNano()%4 == 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}
	})
	half = time.Now().Add(time.Second)
	res := run(t, t.Context(), Spec{Rate: 200, Duration: 2 * time.Second, Targets: []Target{{URL: srv.URL}}}, nil)
	l := res.Load
	if l == nil {
		t.Fatal("no series")
	}
	buckets := l.Series.Buckets
	if l.Series.Width != 67*time.Millisecond || len(buckets) != 30 {
		t.Fatalf("width %s, %d buckets: want 67ms and 30 for a 2s window", l.Series.Width, len(buckets))
	}
	var requests, ok int
	errs := map[string]int{}
	for _, b := range buckets {
		requests += b.Requests
		ok += b.OK
		for i, n := range b.Errors {
			errs[l.Causes[i].Reason] += n
		}
	}
	if requests != res.Requests || ok != res.Successes {
		t.Errorf("buckets hold %d requests, %d ok; the run %d, %d", requests, ok, res.Requests, res.Successes)
	}
	if errs["status 503"] != res.Errors["status 503"] || res.Errors["status 503"] == 0 || len(l.Causes) != 1 || l.Causes[0].Count != res.Errors["status 503"] {
		t.Errorf("buckets count errors %v, causes %v; the run %v", errs, l.Causes, res.Errors)
	}
	first, last := buckets[2], buckets[len(buckets)-3]
	if first.P50 >= 10*time.Millisecond || last.P50 < 30*time.Millisecond || last.Max < last.P99 || last.P99 < last.P95 || last.P95 < last.P50 {
		t.Errorf("fast bucket p50 %s, slow bucket p50 %s p95 %s p99 %s max %s", first.P50, last.P50, last.P95, last.P99, last.Max)
	}
	if len(first.Errors) != 0 {
		t.Errorf("errors %v in the first half", first.Errors)
	}
	if h := l.Latency; h == nil || h.Count != res.Successes || h.Max != res.Latencies[len(res.Latencies)-1] {
		t.Errorf("histogram %+v for %d successes", h, res.Successes)
	}
}
