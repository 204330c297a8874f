package faults_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// integrityTimeout is the plan's integrity.timeout in the registry faults.
const integrityTimeout = time.Second

// runIntegrity runs a plan whose one check verifies the new and the old
// image in the registry at host, with the Docker config of an empty
// directory: no credentials of this host's take part.
func runIntegrity(t *testing.T, host string) *report.Report {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	p := existingPlan(t, nettest.RefusedURL(t), "  - {name: integrity, kind: integrity, integrity: {timeout: "+integrityTimeout.String()+"}}\n")
	return run(t, p, harness.Options{NewImage: host + "/app:2", OldImage: host + "/app:1"})
}

// Registry faults against the integrity check. A registry that cannot be
// asked is inconclusive, with the cause; only what it serves wrong fails.
func TestRegistryFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the fault matrix; skipped in -short mode")
	}
	t.Run("accepts connections and never answers", func(t *testing.T) {
		start := time.Now()
		rep := runIntegrity(t, nettest.SilentAddr(t))
		want{slo.Inconclusive, report.Inconclusive, []string{"timeout"}}.assert(t, rep, "integrity")
		// Both images at once, each request bounded: about one timeout, not
		// the transport's minutes.
		if took := time.Since(start); took > 5*integrityTimeout {
			t.Errorf("inconclusive after %s, want about integrity.timeout (%s)", took, integrityTimeout)
		}
	})
	t.Run("rejects the credentials: 401", func(t *testing.T) {
		reg := registrytest.Start(t, registrytest.WithAuth("ci", "s3cret-pass"))
		rep := runIntegrity(t, reg.Host)
		want{slo.Inconclusive, report.Inconclusive, []string{"401", "auth"}}.assert(t, rep, "integrity")
	})
	t.Run("answers 503", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			http.Error(w, `{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}`, http.StatusServiceUnavailable)
		}))
		t.Cleanup(srv.Close)
		rep := runIntegrity(t, strings.TrimPrefix(srv.URL, "http://"))
		want{slo.Inconclusive, report.Inconclusive, []string{"503"}}.assert(t, rep, "integrity")
	})
	t.Run("sends a manifest's headers, never its body", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		start := time.Now()
		rep := runIntegrity(t, strings.TrimPrefix(srv.URL, "http://"))
		want{slo.Inconclusive, report.Inconclusive, []string{"timeout"}}.assert(t, rep, "integrity")
		if took := time.Since(start); took > 5*integrityTimeout {
			t.Errorf("inconclusive after %s, want about integrity.timeout (%s)", took, integrityTimeout)
		}
	})
	t.Run("connections reset", func(t *testing.T) {
		reg := registrytest.Start(t)
		p := newProxy(t, reg.Host)
		toxic{Type: "reset_peer", Stream: "upstream", Attributes: map[string]any{"timeout": 0}}.add(t, p)
		rep := runIntegrity(t, p.Listen)
		want{slo.Inconclusive, report.Inconclusive, []string{"reset", "connection"}}.assert(t, rep, "integrity")
	})
	t.Run("answers slower than integrity.timeout", func(t *testing.T) {
		reg := registrytest.Start(t)
		p := newProxy(t, reg.Host)
		toxic{Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": 3 * integrityTimeout.Milliseconds()}}.add(t, p)
		rep := runIntegrity(t, p.Listen)
		want{slo.Inconclusive, report.Inconclusive, []string{"timeout"}}.assert(t, rep, "integrity")
	})
	t.Run("a truncated layer", func(t *testing.T) {
		cli := dockertest.Client(t, "postflight-demo:1.0.0")
		reg := registrytest.Start(t)
		runID := registrytest.RunID(t)
		layer := make([]byte, 256<<10)
		rand.Read(layer)
		registrytest.BuildImage(t, cli, runID+":layered", runID, layer)
		reg.Push(t, cli, runID+":layered", "app:1")
		reg.Push(t, cli, runID+":layered", "app:2")
		digest := reg.TruncateLastLayer(t, "app:1")
		rep := runIntegrity(t, reg.Host)
		want{slo.Fail, report.Failed, []string{digest}}.assert(t, rep, "integrity")
		want{slo.Fail, report.Failed, []string{"truncated", "missing"}}.assert(t, rep, "integrity")
	})
}
