package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// fakeRegistry serves one image, app:1, whose layer is served by a
// handler each test chooses: the failures the real registry cannot be
// made to show on demand (a connection cut mid-body, a stall, a 503).
type fakeRegistry struct {
	srv           *httptest.Server
	layer         []byte
	layerDigest   string
	attempts      atomic.Int32
	serveLayer    func(w http.ResponseWriter, r *http.Request, attempt int)
	configDigest  string
	config        []byte
	manifestBytes []byte
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func newFakeRegistry(t *testing.T, serveLayer func(w http.ResponseWriter, r *http.Request, attempt int)) *fakeRegistry {
	f := &fakeRegistry{layer: randomBytes(t, 64<<10), config: []byte(`{"architecture":"amd64","os":"linux"}`), serveLayer: serveLayer}
	f.layerDigest, f.configDigest = digestOf(f.layer), digestOf(f.config)
	man, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(f.config), "digest": f.configDigest},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(f.layer), "digest": f.layerDigest}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.manifestBytes = man
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) ref() string { return strings.TrimPrefix(f.srv.URL, "http://") + "/app:1" }

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v2/":
		w.WriteHeader(http.StatusOK)
	case "/v2/app/manifests/1":
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		w.Write(f.manifestBytes)
	case "/v2/app/blobs/" + f.configDigest:
		w.Write(f.config)
	case "/v2/app/blobs/" + f.layerDigest:
		f.serveLayer(w, r, int(f.attempts.Add(1)))
	default:
		http.NotFound(w, r)
	}
}

// cutAt announces the whole layer and sends only its first n bytes.
func (f *fakeRegistry) cutAt(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Length", strconv.Itoa(len(f.layer)))
	w.Write(f.layer[:n])
}

func TestVerifyBodyCutAtTheSameByteTwiceIsTruncated(t *testing.T) {
	var f *fakeRegistry
	f = newFakeRegistry(t, func(w http.ResponseWriter, _ *http.Request, _ int) { f.cutAt(w, 1000) })
	in := verify(t, registry.New(), f.ref())
	if in.Status != slo.Fail || in.Blobs[1].State != registry.Truncated || !strings.Contains(in.Reason, f.layerDigest) {
		t.Fatalf("status %s, layer %+v; want fail, truncated, named: %s", in.Status, in.Blobs[1], in.Reason)
	}
	if f.attempts.Load() != 2 {
		t.Errorf("%d attempts, want 2", f.attempts.Load())
	}
}

func TestVerifyBodyCutAtDifferentBytesIsInconclusive(t *testing.T) {
	var f *fakeRegistry
	f = newFakeRegistry(t, func(w http.ResponseWriter, _ *http.Request, attempt int) { f.cutAt(w, 1000*attempt) })
	in := verify(t, registry.New(), f.ref())
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseConnection || in.Blobs[1].State != registry.Unverified {
		t.Fatalf("status %s, cause %q, layer %+v; want inconclusive, connection, unverified: %s", in.Status, in.Cause, in.Blobs[1], in.Reason)
	}
}

func TestVerifyStalledBlobIsATimeout(t *testing.T) {
	var f *fakeRegistry
	f = newFakeRegistry(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Length", strconv.Itoa(len(f.layer)))
		w.Write(f.layer[:1000])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	start := time.Now()
	in := verify(t, registry.New(registry.WithStallTimeout(200*time.Millisecond)), f.ref())
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseTimeout || !strings.Contains(in.Reason, "no data received for 200ms") {
		t.Fatalf("status %s, cause %q; want inconclusive, timeout: %s", in.Status, in.Cause, in.Reason)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s to notice a 200ms stall", took)
	}
}

func TestVerifyServerErrorIsInconclusive(t *testing.T) {
	f := newFakeRegistry(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	in := verify(t, registry.New(), f.ref())
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseRegistry || !strings.Contains(in.Reason, "503") {
		t.Fatalf("status %s, cause %q; want inconclusive, registry error, 503: %s", in.Status, in.Cause, in.Reason)
	}
}

func TestVerifyExtraBytesAreCorrupt(t *testing.T) {
	var f *fakeRegistry
	f = newFakeRegistry(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Write(append(append([]byte{}, f.layer...), "tail"...)) // chunked: no length announced
		w.(http.Flusher).Flush()
	})
	in := verify(t, registry.New(), f.ref())
	if in.Status != slo.Fail || in.Blobs[1].State != registry.Corrupt {
		t.Fatalf("status %s, layer %+v; want fail, corrupt: %s", in.Status, in.Blobs[1], in.Reason)
	}
}

// A registry that accepts connections and never answers.
func TestVerifySilentRegistryIsATimeout(t *testing.T) {
	host := nettest.SilentAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	in, err := registry.New().Verify(ctx, host+"/app:1")
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseTimeout {
		t.Fatalf("status %s, cause %q; want inconclusive, timeout: %s", in.Status, in.Cause, in.Reason)
	}
}

func TestVerifyRejectsABadReferenceOrPlatform(t *testing.T) {
	c := registry.New()
	if _, err := c.Verify(context.Background(), "UPPER/case:1"); err == nil {
		t.Error("want an error for an invalid reference")
	}
	if _, err := c.Verify(context.Background(), "localhost:1/app:1", "linux/amd64/v3/extra"); err == nil {
		t.Error("want an error for an invalid platform")
	}
}

// WithTimeout bounds every wait, without a deadline of the caller's: the
// silent registry is a timeout after about that long, which the reason names.
func TestVerifySilentRegistryTimesOutAfterWithTimeout(t *testing.T) {
	host := nettest.SilentAddr(t)
	start := time.Now()
	in, err := registry.New(registry.WithTimeout(300*time.Millisecond)).Verify(context.Background(), host+"/app:1")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseTimeout || !strings.Contains(in.Reason, "no answer within 300ms") {
		t.Fatalf("status %s, cause %q; want inconclusive, timeout, naming 300ms: %s", in.Status, in.Cause, in.Reason)
	}
	if took > 2*time.Second {
		t.Errorf("took %s, want about 300ms", took)
	}
}

// A registry that sends a manifest's headers and then never its body is a
// timeout after WithTimeout, like one that sends nothing at all.
func TestVerifyManifestBodyThatNeverComesIsATimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard against hanging
	defer cancel()
	start := time.Now()
	in, err := registry.New(registry.WithTimeout(300*time.Millisecond)).Verify(ctx, strings.TrimPrefix(srv.URL, "http://")+"/app:1")
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s, want about 300ms", took)
	}
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseTimeout || !strings.Contains(in.Reason, "300ms") {
		t.Fatalf("status %s, cause %q; want inconclusive, timeout, naming 300ms: %s", in.Status, in.Cause, in.Reason)
	}
}
