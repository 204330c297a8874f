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

// DefaultTransport is the transport a Client uses unless told otherwise:
// http.DefaultTransport with bounded dial and response times, and without
// transparent decompression (the bytes hashed must be the bytes served).
func DefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = DefaultResponseTimeout
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 4 * DefaultParallelism
	return t
}
