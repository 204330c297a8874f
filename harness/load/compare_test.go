package load

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/nettest"
)

// counting starts a server that counts the requests to each path and
// holds each answer for delay.
func counting(t *testing.T, delay time.Duration, hits *atomic.Int64) string {
	t.Helper()
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/item" || r.Method != http.MethodPut || r.Header.Get("X-Test") != "yes" {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		hits.Add(1)
		hold(time.Now(), delay)
	}).URL
}

func TestComparisonSendsTheSameLoadToBothSidesAtOnce(t *testing.T) {
	var bHits, cHits atomic.Int64
	c := Comparison{
		Spec: Spec{Rate: 100, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond,
			Targets: []Target{{Method: http.MethodPut, URL: "/item", Headers: map[string]string{"X-Test": "yes"}}}},
		Baseline: counting(t, 2*time.Millisecond, &bHits),
		Canary:   counting(t, 12*time.Millisecond, &cHits) + "/",
	}
	var reports []ComparisonProgress
	res, err := RunComparison(context.Background(), c, func(p ComparisonProgress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	b, k := res.Baseline, res.Canary
	t.Logf("baseline %d requests (%d ok, %.1f/s), canary %d (%d ok, %.1f/s), hits %d/%d, %d progress reports",
		b.Requests, b.Successes, b.Rate, k.Requests, k.Successes, k.Rate, bHits.Load(), cHits.Load(), len(reports))
	for i, r := range []*Result{b, k} {
		if r.Requests < 190 || r.Requests > 210 || r.Successes != r.Requests || r.Interrupted || !within(r.Rate, 100, 5) {
			t.Errorf("%s: %d requests, %d ok, %.1f/s, interrupted %v; want 200 ok at 100/s", Sides[i], r.Requests, r.Successes, r.Rate, r.Interrupted)
		}
	}
	if d := b.Requests - k.Requests; d < -2 || d > 2 {
		t.Errorf("baseline measured %d requests, canary %d: the same load should give the same count", b.Requests, k.Requests)
	}
	if d := bHits.Load() - cHits.Load(); d < -2 || d > 2 {
		t.Errorf("baseline got %d requests, canary %d", bHits.Load(), cHits.Load())
	}
	// Each side measured its own service: the canary is 10 ms slower.
	if bm, km := percentile(b.Latencies, 0.5), percentile(k.Latencies, 0.5); km-bm < 8*time.Millisecond || km-bm > 14*time.Millisecond {
		t.Errorf("medians: baseline %v, canary %v; want the canary about 10ms slower", bm, km)
	}
	if len(reports) < 1 {
		t.Errorf("no progress reported in a 2.2s comparison")
	}
	for _, p := range reports {
		if p.Baseline.Sent == 0 || p.Canary.Sent == 0 {
			t.Errorf("progress %+v: want both sides' counts", p)
		}
	}
	s := k.Sample()
	if len(s.Latencies) != k.Successes || s.Requests != k.Requests || s.Errors != k.Failures {
		t.Errorf("canary sample %d latencies, %d requests, %d errors; result %d ok of %d, %d failed", len(s.Latencies), s.Requests, s.Errors, k.Successes, k.Requests, k.Failures)
	}
}

func TestComparisonWithOneSideDownMeasuresTheOther(t *testing.T) {
	var hits atomic.Int64
	res, err := RunComparison(context.Background(), Comparison{
		Spec:     Spec{Rate: 50, Duration: time.Second, Targets: []Target{{Method: http.MethodPut, URL: "/item", Headers: map[string]string{"X-Test": "yes"}}}},
		Baseline: counting(t, 0, &hits),
		Canary:   nettest.RefusedURL(t),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Baseline; b.Successes < 45 {
		t.Errorf("baseline: %d ok of %d", b.Successes, b.Requests)
	}
	if k := res.Canary; k.Requests < 45 || k.Answered != 0 || len(k.Latencies) != 0 {
		t.Errorf("canary down: %d requests, %d answered, %d latencies; want every request unanswered", k.Requests, k.Answered, len(k.Latencies))
	}
}

func TestComparisonRefusesABadSideBeforeSending(t *testing.T) {
	var hits atomic.Int64
	_, err := RunComparison(context.Background(), Comparison{
		Spec:     Spec{Rate: 50, Duration: time.Second, Targets: []Target{{URL: "/item"}}},
		Baseline: counting(t, 0, &hits),
		Canary:   "ftp://nowhere",
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "canary: target 0") || strings.Contains(err.Error(), "baseline") {
		t.Errorf("err %v; want the canary's target named, not the baseline's", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the baseline got %d requests from a comparison that could not run", hits.Load())
	}
}

func TestComparisonStopsBothSidesWithTheContext(t *testing.T) {
	var hits atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	res, err := RunComparison(ctx, Comparison{
		Spec:     Spec{Rate: 50, Duration: 10 * time.Second, Targets: []Target{{Method: http.MethodPut, URL: "/item", Headers: map[string]string{"X-Test": "yes"}}}},
		Baseline: counting(t, 0, &hits),
		Canary:   counting(t, 0, &hits),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 3*time.Second || !res.Baseline.Interrupted || !res.Canary.Interrupted {
		t.Errorf("took %v, interrupted %v/%v; want both stopped soon after 500ms", took, res.Baseline.Interrupted, res.Canary.Interrupted)
	}
}

func TestJoinURL(t *testing.T) {
	for _, tt := range []struct{ base, path, want string }{
		{"http://h:1", "/a", "http://h:1/a"},
		{"http://h:1/", "/a", "http://h:1/a"},
		{"http://h:1/api/x", "", "http://h:1/api/x"},
	} {
		if got := JoinURL(tt.base, tt.path); got != tt.want {
			t.Errorf("JoinURL(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}
