package nettest

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Service starts an HTTP service on 127.0.0.1, closed at the end of the
// test, that answers 200 "ok" after delay (held with Hold), and 500 at once
// to every failEvery-th request (none when 0). It returns its URL.
func Service(t testing.TB, delay time.Duration, failEvery int64) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		if failEvery > 0 && n.Add(1)%failEvery == 0 {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		if delay > 0 {
			Hold(began, delay)
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
