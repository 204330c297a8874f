package propagation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/nettest"
)

// percentile is the nearest-rank q-quantile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// store is a fake replicated key-value store: PUT /kv/{token} writes, and
// GET /{replica}/kv/{token} answers {"value": token} once the replica's lag
// has passed since the write, 404 before.
type store struct {
	lag map[string]time.Duration // by replica; a replica not listed never shows writes

	mu      sync.Mutex
	written map[string]time.Time
}

func newStore(t *testing.T, lag map[string]time.Duration) (*store, *httptest.Server) {
	t.Helper()
	st := &store{lag: lag, written: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /kv/{token}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		token := r.PathValue("token")
		if !strings.Contains(string(body), token) {
			http.Error(w, "body does not carry the token", http.StatusBadRequest)
			return
		}
		st.mu.Lock()
		st.written[token] = time.Now()
		st.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{replica}/kv/{token}", func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		st.mu.Lock()
		at, ok := st.written[token]
		st.mu.Unlock()
		lag, replicates := st.lag[r.PathValue("replica")]
		if !ok || !replicates || time.Since(at) < lag {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": token})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return st, srv
}

// spec is a spec against srv reading from the replicas named.
func spec(srv *httptest.Server, replicas ...string) Spec {
	s := Spec{
		Write:       Request{Method: http.MethodPut, URL: srv.URL + "/kv/{token}", Body: []byte("{token}")},
		Samples:     8,
		Concurrency: 4,
		Interval:    2 * time.Millisecond,
		Timeout:     time.Second,
	}
	for _, r := range replicas {
		s.Reads = append(s.Reads, Request{URL: srv.URL + "/" + r + "/kv/{token}"})
	}
	return s
}

// run calls Run and fails t on an error.
func run(t *testing.T, ctx context.Context, s Spec) *Result {
	t.Helper()
	res, err := Run(ctx, s)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("taken=%d written=%d shown=%d never shown=%d (%s) failed writes=%d %v unchecked=%d echoed=%d aborted=%d p50=%s max=%s",
		res.Taken, res.Written, res.Shown, res.NeverShown, res.NeverShownExample, res.FailedWrites, res.WriteErrors, res.Unchecked, res.Echoed, res.Aborted,
		percentile(res.Delays, 0.5), percentile(res.Delays, 1))
	return res
}

func TestRunMeasures100msPropagationWithin10ms(t *testing.T) {
	_, srv := newStore(t, map[string]time.Duration{"near": 50 * time.Millisecond, "far": 100 * time.Millisecond})
	s := spec(srv, "near", "far")
	s.Samples = 20
	res := run(t, t.Context(), s)

	if res.Written != 20 || res.NeverShown != 0 || len(res.Delays) != 20 {
		t.Fatalf("written %d, never shown %d, %d delays: want 20, 0, 20", res.Written, res.NeverShown, len(res.Delays))
	}
	for _, tc := range []struct {
		name   string
		delays []time.Duration
		want   time.Duration
	}{
		{"sample", res.Delays, 100 * time.Millisecond},
		{"near", res.Endpoints[0].Delays, 50 * time.Millisecond},
		{"far", res.Endpoints[1].Delays, 100 * time.Millisecond},
	} {
		p50, p100 := percentile(tc.delays, 0.5), percentile(tc.delays, 1)
		t.Logf("%s: min=%s p50=%s max=%s", tc.name, tc.delays[0], p50, p100)
		if d := p50 - tc.want; d < -10*time.Millisecond || d > 10*time.Millisecond {
			t.Errorf("%s: p50 = %s, want %s ± 10ms", tc.name, p50, tc.want)
		}
		// Delays run from the write's answer, which leaves the store a
		// little after its lag starts: within the same 10ms.
		if tc.delays[0] < tc.want-10*time.Millisecond {
			t.Errorf("%s: min = %s, more than 10ms below the store's %s lag", tc.name, tc.delays[0], tc.want)
		}
	}
	far := res.Endpoints[1]
	if far.Misses["status 404"] == 0 || far.Answered != far.Polls {
		t.Errorf("far: %d polls, %d answered, misses %v: want 404s before the token shows", far.Polls, far.Answered, far.Misses)
	}
}

func TestRunCountsSamplesNeverShownWithoutADelay(t *testing.T) {
	t.Parallel()
	_, srv := newStore(t, map[string]time.Duration{"near": 0}) // "lost" never shows writes
	s := spec(srv, "near", "lost")
	s.Samples, s.Concurrency, s.Timeout = 4, 4, 200*time.Millisecond
	res := run(t, t.Context(), s)

	if res.Taken != 4 || res.Written != 4 || res.NeverShown != 4 || res.Shown != 0 || len(res.Delays) != 0 {
		t.Fatalf("taken %d, written %d, never shown %d, shown %d, %d delays: want 4 never shown and no delay",
			res.Taken, res.Written, res.NeverShown, res.Shown, len(res.Delays))
	}
	if ex := res.NeverShownExample; !strings.Contains(ex, "/lost/kv/{token} never showed it in 200ms") || !strings.Contains(ex, "404") {
		t.Errorf("never shown example %q: want the read, the timeout and the last answer", ex)
	}
	if lost := res.Endpoints[1]; lost.NeverShown != 4 || lost.Misses["status 404"] == 0 || len(lost.Delays) != 0 {
		t.Errorf("lost: never shown %d, misses %v, %d delays: want 4, 404s and no delay", lost.NeverShown, lost.Misses, len(lost.Delays))
	}
	if near := res.Endpoints[0]; near.NeverShown != 0 || len(near.Delays) != 4 {
		t.Errorf("near: never shown %d, %d delays: want 0 and 4", near.NeverShown, len(near.Delays))
	}
}

func TestRunRecordsFailedWritesWithTheirReason(t *testing.T) {
	t.Parallel()
	var polls atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /kv/{token}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "disk full", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res := run(t, t.Context(), spec(srv, "near"))
	if res.FailedWrites != 8 || res.WriteErrors["status 500"] != 8 || res.Written != 0 || len(res.Delays) != 0 {
		t.Errorf("failed writes %d %v, written %d, %d delays: want 8 failed with status 500, nothing measured",
			res.FailedWrites, res.WriteErrors, res.Written, len(res.Delays))
	}
	if msg := res.WriteExample; !strings.Contains(msg, "500") || !strings.Contains(msg, "disk full") {
		t.Errorf("write error %q, want the status and the body", msg)
	}
	if n := polls.Load(); n != 8 {
		t.Errorf("%d polls, want 8: one before each write, none after a failed one", n)
	}
}

func TestRunOverlapsUpToConcurrencySamples(t *testing.T) {
	t.Parallel()
	_, srv := newStore(t, map[string]time.Duration{"far": 100 * time.Millisecond})
	for _, tc := range []struct{ samples, concurrency int }{{8, 4}, {4, 1}, {6, 6}} {
		s := spec(srv, "far")
		s.Samples, s.Concurrency = tc.samples, tc.concurrency
		start := time.Now()
		res := run(t, t.Context(), s)
		took := time.Since(start)
		rounds := (tc.samples + tc.concurrency - 1) / tc.concurrency
		want := time.Duration(rounds) * 100 * time.Millisecond
		t.Logf("%d samples, %d at a time: %s, want about %s", tc.samples, tc.concurrency, took, want)
		if res.Written != tc.samples {
			t.Errorf("written %d, want %d", res.Written, tc.samples)
		}
		if took < want*95/100 || took > want*3/2 {
			t.Errorf("%d samples, %d at a time took %s, want %s to %s", tc.samples, tc.concurrency, took, want*95/100, want*3/2)
		}
	}
}

func TestRunPutsTheTokenInURLHeadersAndBody(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		latest string
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /kv/{token}", func(w http.ResponseWriter, r *http.Request) {
		var doc struct{ Value string }
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil || doc.Value != r.PathValue("token") || r.Header.Get("X-Token") != doc.Value {
			http.Error(w, "token missing from body or header", http.StatusBadRequest)
			return
		}
		mu.Lock()
		latest = doc.Value
		mu.Unlock()
	})
	mux.HandleFunc("POST /discard/{token}", func(w http.ResponseWriter, r *http.Request) {})
	// GET /latest answers the value last written, and echoes X-Want.
	mux.HandleFunc("GET /latest", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"value": latest, "echo": r.Header.Get("X-Want")})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s := Spec{
		Write: Request{
			Method:  http.MethodPost,
			URL:     srv.URL + "/kv/{token}",
			Headers: map[string]string{"X-Token": "{token}"},
			Body:    []byte(`{"value": "{token}"}`),
		},
		Reads:   []Request{{URL: srv.URL + "/latest", Headers: map[string]string{"X-Want": "{token}"}}},
		Field:   "$.value",
		Samples: 3, Concurrency: 1, Interval: 2 * time.Millisecond, Timeout: 100 * time.Millisecond,
	}
	if res := run(t, t.Context(), s); res.Written != 3 || res.Shown != 3 {
		t.Errorf("written %d, shown %d, errors %v: want 3 shown", res.Written, res.Shown, res.WriteErrors)
	}

	// A write that is not stored: the read only echoes the token, in another
	// field. The body contains it, the field does not.
	s.Write.URL = srv.URL + "/discard/{token}"
	s.Samples = 1
	if res := run(t, t.Context(), s); res.NeverShown != 1 {
		t.Errorf("with field %s: never shown %d, want 1", s.Field, res.NeverShown)
	}
	// Without a field the echo shows the token before it is written: the
	// sample is an echo, not a sighting.
	s.Field = ""
	if res := run(t, t.Context(), s); res.Echoed != 1 || res.Written != 0 || len(res.Delays) != 0 {
		t.Errorf("without field: echoed %d, written %d, %d delays: want the echo caught before the write", res.Echoed, res.Written, len(res.Delays))
	}
}

func TestRunStopsPromptlyWhenCancelled(t *testing.T) {
	t.Parallel()
	_, srv := newStore(t, nil) // never shows writes
	s := spec(srv, "lost")
	s.Timeout = 10 * time.Second
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)

	start := time.Now()
	res := run(t, ctx, s)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("returned after %s, want soon after the cancel at 200ms", took)
	}
	if !res.Interrupted || res.Aborted != s.Samples || res.Taken != 0 || len(res.Delays) != 0 || res.NeverShown != 0 {
		t.Errorf("interrupted %v, aborted %d, taken %d, %d delays, never shown %d: want every sample aborted, none counted",
			res.Interrupted, res.Aborted, res.Taken, len(res.Delays), res.NeverShown)
	}
}

func TestRunRejectsABadSpec(t *testing.T) {
	t.Parallel()
	good := Spec{
		Write:   Request{Method: http.MethodPut, URL: "http://127.0.0.1:1/kv/{token}"},
		Reads:   []Request{{URL: "http://127.0.0.1:1/kv/{token}"}},
		Samples: 1, Concurrency: 1, Interval: time.Millisecond, Timeout: time.Second,
	}
	for _, tc := range []struct {
		name string
		edit func(*Spec)
	}{
		{"no samples", func(s *Spec) { s.Samples = 0 }},
		{"no concurrency", func(s *Spec) { s.Concurrency = 0 }},
		{"no interval", func(s *Spec) { s.Interval = 0 }},
		{"no timeout", func(s *Spec) { s.Timeout = 0 }},
		{"no write method", func(s *Spec) { s.Write.Method = "" }},
		{"write without token", func(s *Spec) { s.Write.URL = "http://127.0.0.1:1/kv/fixed" }},
		{"relative write url", func(s *Spec) { s.Write.URL = "/kv/{token}" }},
		{"no reads", func(s *Spec) { s.Reads = nil }},
		{"bad read url", func(s *Spec) { s.Reads[0].URL = "ftp://127.0.0.1/{token}" }},
		{"bad field", func(s *Spec) { s.Field = "$[[" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			s.Write = good.Write
			s.Reads = []Request{good.Reads[0]}
			tc.edit(&s)
			if _, err := Run(t.Context(), s); err == nil {
				t.Error("Run: no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// echo answers every request with what it was asked: the path as text, or
// as {"value": last path element}.
func echo(t *testing.T, asJSON bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asJSON {
			json.NewEncoder(w).Encode(map[string]string{"value": r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]})
			return
		}
		io.WriteString(w, "you asked for "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunCatchesAReadThatEchoesTheRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		asJSON bool
		field  string
	}{
		{"anywhere in the body", false, ""},
		{"in the field", true, "$.value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, srv := newStore(t, nil)
			s := spec(srv)
			s.Reads = []Request{{URL: echo(t, tc.asJSON).URL + "/kv/{token}"}}
			s.Field = tc.field
			res := run(t, t.Context(), s)
			if res.Echoed != s.Samples || res.Written != 0 || res.Shown != 0 || len(res.Delays) != 0 {
				t.Errorf("echoed %d, written %d, shown %d: want every sample an echo, none measured", res.Echoed, res.Written, res.Shown)
			}
			if !strings.Contains(res.EchoExample, "shows the token before it was written") {
				t.Errorf("echo example %q", res.EchoExample)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.written) != 0 {
				t.Errorf("%d writes made after an echo, want none", len(st.written))
			}
		})
	}
}

func TestRunCountsAReadThatResetsEveryConnectionAsNeverAnswered(t *testing.T) {
	t.Parallel()
	_, srv := newStore(t, nil)
	s := spec(srv)
	s.Reads = []Request{{URL: nettest.ResetURL(t) + "/kv/{token}"}}
	s.Samples, s.Timeout = 3, 100*time.Millisecond
	res := run(t, t.Context(), s)
	reset := res.Endpoints[0]
	if res.Unchecked != 3 || res.Shown != 0 || reset.Polls == 0 || reset.Answered != 0 || reset.Misses[ReasonReset] != reset.Polls {
		t.Errorf("unchecked %d, shown %d; endpoint %d polls, %d answered, misses %v: want every poll reset, nothing shown",
			res.Unchecked, res.Shown, reset.Polls, reset.Answered, reset.Misses)
	}
}

// Not parallel: it measures the memory the run allocates.
func TestRunDoesNotAllocatePerSampleUpFront(t *testing.T) {
	_, srv := newStore(t, map[string]time.Duration{"near": 0})
	s := spec(srv, "near")
	s.Samples, s.Concurrency = 2_000_000, 1
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := run(t, ctx, s)
	runtime.ReadMemStats(&after)
	if res.Shown == 0 || !res.Interrupted {
		t.Fatalf("shown %d, interrupted %v: want some shown before the cut", res.Shown, res.Interrupted)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 32<<20 {
		t.Errorf("allocated %d MiB for %d samples taken of %d: want memory for the samples taken only", got>>20, res.Taken, s.Samples)
	}
}

// A read whose answer has the field twice, a stale value and the token,
// says two things at once: clients differ on which counts, so it does not
// show the token.
func TestRunDoesNotTakeAFieldGivenTwiceAsShowingTheToken(t *testing.T) {
	_, srv := newStore(t, map[string]time.Duration{"r": 0})
	stale := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(srv.URL + r.URL.Path)
		if err != nil || resp.StatusCode != http.StatusOK {
			http.NotFound(w, r)
			return
		}
		resp.Body.Close()
		fmt.Fprintf(w, `{"value":"stale","value":%q}`, path.Base(r.URL.Path))
	}))
	t.Cleanup(stale.Close)
	s := spec(srv)
	s.Timeout = 200 * time.Millisecond
	s.Field = "$.value"
	s.Reads = []Request{{URL: stale.URL + "/r/kv/{token}"}}
	res := run(t, t.Context(), s)
	if res.Shown != 0 || res.NeverShown != s.Samples {
		t.Errorf("shown %d, never shown %d: want none of %d shown", res.Shown, res.NeverShown, s.Samples)
	}
	if !strings.Contains(res.NeverShownExample, `key "value" twice`) {
		t.Errorf("never shown example %q, want the key given twice named", res.NeverShownExample)
	}
}

// A read that answers 500 is broken, not behind: its samples are never
// shown at once, not after waiting out their timeout polling it.
func TestRunDoesNotWaitOnAReadThatFailsForCertain(t *testing.T) {
	_, srv := newStore(t, map[string]time.Duration{"near": 0})
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"Internal Server Error"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	s := spec(srv, "near")
	s.Reads = append(s.Reads, Request{URL: broken.URL + "/kv/{token}"})
	s.Timeout = 10 * time.Second
	res := run(t, t.Context(), s)
	if res.Written != s.Samples || res.NeverShown != s.Samples {
		t.Fatalf("written %d, never shown %d: want %d of each", res.Written, res.NeverShown, s.Samples)
	}
	if !strings.Contains(res.NeverShownExample, "status 500") || !strings.Contains(res.NeverShownExample, "not waited for") {
		t.Errorf("cause %q does not say the read failed for certain", res.NeverShownExample)
	}
	// Waiting would poll every 2ms for 10s; giving up polls once after the
	// write (and once before it, for an echo).
	if e := res.Endpoints[1]; e.Polls > 2*s.Samples {
		t.Errorf("the broken read was polled %d times for %d samples", e.Polls, s.Samples)
	}
}
