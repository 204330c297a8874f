// Package registrytest starts the real registry (Debian's docker-registry,
// distribution 2.8) for tests, and pushes and builds the images they need.
// Everything it creates is removed when the test ends, also when it fails.
package registrytest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Binary is the registry's executable, from `apt-get install -y docker-registry`.
const Binary = "docker-registry"

// Registry is a docker-registry process serving on a loopback port from a
// storage directory of its own.
type Registry struct {
	// Host is "localhost:PORT": the Docker daemon pushes there over plain HTTP.
	Host string
	// Root is the storage root; blobs live under docker/registry/v2/blobs.
	Root string
	// User and Password are set when the registry wants them (WithAuth).
	User, Password string

	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	once sync.Once
}

type config struct {
	user, password string
	cache          bool
	addr           string
}

// Option configures a registry.
type Option func(*config)

// WithAuth protects the registry with htpasswd (basic auth) for one user.
func WithAuth(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithAddr serves on an address of this host other than the loopback (the
// host's address on a network of containers, for Docker engines in them):
// Host is then "ADDR:PORT". The host's daemon does not push there over
// plain HTTP: push with a daemon that lists the address as an insecure
// registry.
func WithAddr(ip string) Option { return func(c *config) { c.addr = ip } }

// WithBlobDescriptorCache turns on the in-memory blob descriptor cache (as
// Debian's default config does): a registry that serves a deleted or
// truncated blob from its cached descriptor announces the old size.
func WithBlobDescriptorCache() Option { return func(c *config) { c.cache = true } }

// Start starts a registry for the test and stops it when the test ends. It
// skips the test in -short mode and fails it when docker-registry is not
// installed.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the docker-registry binary and Docker; skipped in -short mode")
	}
	bin, err := exec.LookPath(Binary)
	if err != nil {
		t.Fatalf("%s not found (%v): apt-get install -y docker-registry", Binary, err)
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	var lastErr error
	for range 3 { // the free port found may be taken before the registry binds it
		r, err := start(bin, dir, cfg)
		if err == nil {
			t.Cleanup(func() {
				r.Stop()
				if t.Failed() {
					t.Logf("docker-registry log:\n%s", r.log.String())
				}
			})
			return r
		}
		lastErr = err
	}
	t.Fatalf("start %s: %v", Binary, lastErr)
	return nil
}

func start(bin, dir string, cfg config) (*Registry, error) {
	ip, host := "127.0.0.1", "localhost"
	if cfg.addr != "" {
		ip, host = cfg.addr, cfg.addr
	}
	port, err := freePort(ip)
	if err != nil {
		return nil, err
	}
	r := &Registry{
		Host: net.JoinHostPort(host, strconv.Itoa(port)),
		Root: filepath.Join(dir, fmt.Sprintf("storage-%d", port)),
		User: cfg.user, Password: cfg.password,
		log: &syncBuffer{}, done: make(chan struct{}),
	}
	conf := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: postflight-test
`, r.Root, net.JoinHostPort(ip, strconv.Itoa(port)))
	if cfg.cache {
		conf = strings.Replace(conf, "storage:\n", "storage:\n  cache:\n    blobdescriptor: inmemory\n", 1)
	}
	if cfg.user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(cfg.password), bcrypt.MinCost)
		if err != nil {
			return nil, fmt.Errorf("hash password: %w", err)
		}
		htpasswd := filepath.Join(dir, fmt.Sprintf("htpasswd-%d", port))
		if err := os.WriteFile(htpasswd, []byte(cfg.user+":"+string(hash)+"\n"), 0o600); err != nil {
			return nil, err
		}
		conf += fmt.Sprintf("auth:\n  htpasswd:\n    realm: postflight-test\n    path: %s\n", htpasswd)
	}
	confPath := filepath.Join(dir, fmt.Sprintf("config-%d.yml", port))
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	r.cmd = exec.Command(bin, "serve", confPath)
	r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	dieWithParent(r.cmd)
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	if err := r.waitReady(10 * time.Second); err != nil {
		r.Stop()
		return nil, fmt.Errorf("%w; log:\n%s", err, r.log.String())
	}
	return r, nil
}

// waitReady waits until /v2/ answers (200, or 401 when auth is on).
func (r *Registry) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			return fmt.Errorf("docker-registry exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/v2/", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("docker-registry on %s not ready after %s", r.Host, timeout)
}

// Stop stops the registry now (the storage stays until the test ends). It
// is safe to call more than once.
func (r *Registry) Stop() {
	r.once.Do(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
}

// Ref is the reference of path ("app:1.0.0") in this registry.
func (r *Registry) Ref(path string) string { return r.Host + "/" + path }

// BlobPath is the file that holds a blob ("sha256:abc...") in the storage.
func (r *Registry) BlobPath(digest string) string {
	algo, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(r.Root, "docker", "registry", "v2", "blobs", algo, hex[:2], hex, "data")
}

// freePort returns a port of ip nothing listens on right now.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a bytes.Buffer safe for the registry's two output streams.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
