package registry

import (
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Defaults, also for the CLI's flags.
const (
	// DefaultParallelism is how many blobs are fetched at once.
	DefaultParallelism = 4
	// DefaultStallTimeout is how long a blob download may go without
	// receiving a byte before it counts as timed out.
	DefaultStallTimeout = 30 * time.Second
	// DefaultResponseTimeout is how long the registry may take to start
	// answering a request.
	DefaultResponseTimeout = 30 * time.Second
	// DefaultDialTimeout is how long a connection may take to open.
	DefaultDialTimeout = 10 * time.Second
)

// Option configures a Client.
type Option func(*Client)

// WithKeychain sets where credentials come from; the default is
// authn.DefaultKeychain: the Docker config ($DOCKER_CONFIG or ~/.docker)
// and its credential helpers.
func WithKeychain(k authn.Keychain) Option { return func(c *Client) { c.keychain = k } }

// WithTransport sets the HTTP transport under authentication; the default
// is DefaultTransport().
func WithTransport(t http.RoundTripper) Option { return func(c *Client) { c.base = t } }

// WithInsecure lets every registry be reached over plain HTTP, or HTTPS
// without a verified certificate. Registries on localhost and loopback
// addresses are reached over plain HTTP without it.
func WithInsecure() Option { return func(c *Client) { c.insecure = true } }

// WithParallelism sets how many blobs are fetched at once (at least 1).
func WithParallelism(n int) Option {
	return func(c *Client) { c.parallel = max(n, 1) }
}

// WithStallTimeout sets how long a blob download may go without receiving a
// byte before it counts as timed out.
func WithStallTimeout(d time.Duration) Option { return func(c *Client) { c.stall = d } }

// WithTimeout bounds each request at d: opening the connection, the TLS
// handshake, the wait for the response headers, and, within a blob's body,
// the wait for the next bytes (the stall timeout). A registry that accepts
// connections and never answers is then a timeout after d, rather than
// after DefaultResponseTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout, c.stall = d, d }
}

// DefaultTransport is the transport a Client uses unless told otherwise:
// http.DefaultTransport with bounded dial and response times, and without
// transparent decompression (the bytes hashed must be the bytes served).
func DefaultTransport() *http.Transport { return newTransport(0) }

// Transport is DefaultTransport with every wait bounded by timeout too, when
// it is above zero: what every part of postflight that asks a registry uses.
func Transport(timeout time.Duration) *http.Transport { return newTransport(timeout) }

// newTransport is DefaultTransport with every wait bounded by timeout too,
// when it is above zero.
func newTransport(timeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	dial, response := DefaultDialTimeout, DefaultResponseTimeout
	if timeout > 0 {
		dial, response = min(dial, timeout), timeout
		t.TLSHandshakeTimeout = min(t.TLSHandshakeTimeout, timeout)
	}
	t.DialContext = (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = response
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 4 * DefaultParallelism
	return t
}
