package faults_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serviceLatency is the service's own latency on every answer: known, and
// far inside every budget of the matrix.
const serviceLatency = 2 * time.Millisecond

// bigBody is the size of GET /big: enough for the bandwidth toxic to make
// one answer take longer than a latency budget.
const bigBody = 16 << 10

// service is a loopback HTTP service of known behaviour:
//
//	GET /healthz      200 {"status":"ok","version":"1.4.2"}
//	GET /big          200, a JSON body of bigBody bytes
//	GET /unavailable  503 {"error":"unavailable"}
//	PUT /kv/{key}     200, stores the body
//	GET /kv/{key}     200 {"value":...}, or 404
type service struct {
	srv  *httptest.Server
	mu   sync.Mutex
	kv   map[string]string
	hits atomic.Int64
	// onHit, when set, is called once the service has answered atHit
	// requests: a fault injected mid-check.
	atHit int64
	onHit func()
	once  sync.Once
}

func startService(t *testing.T) *service {
	s := &service{kv: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": "1.4.2"})
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "pad": strings.Repeat("x", bigBody)})
	})
	mux.HandleFunc("GET /unavailable", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
	})
	mux.HandleFunc("PUT /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.mu.Lock()
		s.kv[r.PathValue("key")] = string(b)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		v, ok := s.kv[r.PathValue("key")]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"value": v})
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(serviceLatency)
		mux.ServeHTTP(w, r)
		if n := s.hits.Add(1); s.onHit != nil && n >= s.atHit {
			s.once.Do(func() { go s.onHit() })
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// addr is the service's host:port.
func (s *service) addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// after calls fn (once, in a goroutine of its own) when n requests have
// been answered. Call it before the run starts.
func (s *service) after(n int64, fn func()) { s.atHit, s.onHit = n, fn }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
