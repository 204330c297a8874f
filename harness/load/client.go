package load

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/postflight/postflight/internal/redirect"
)

// newClient returns the HTTP client the attacker sends with. Once aborting
// is done, every request in flight fails at once.
//
// vegeta's attacker takes no context: Stop only stops sending, and a request
// already sent runs until it answers or times out. Against a hung target that
// is the whole Timeout. Aborting cuts those requests short so that a
// cancelled Run returns promptly; they fail with "context canceled", which
// Run counts as aborted, not as the target's error.
//
// The transport is vegeta's default one except that it ignores proxy
// settings from the environment, like postflight's other checks: the stack
// under test is reached directly. Like them, it follows redirects within
// the target only (see redirect.WithinOrigin).
func newClient(aborting context.Context) *http.Client {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     vegeta.DefaultTLSConfig.Clone(),
		MaxIdleConnsPerHost: vegeta.DefaultConnections,
		MaxConnsPerHost:     vegeta.DefaultMaxConnections,
	}
	return &http.Client{Transport: &abortable{base: transport, ctx: aborting}, CheckRedirect: redirect.WithinOrigin}
}

// abortable is a RoundTripper whose requests all fail once ctx is done, while
// keeping each request's own context (which carries the client's timeout).
type abortable struct {
	base *http.Transport
	ctx  context.Context
}

var _ http.RoundTripper = (*abortable)(nil)

// RoundTrip sends req under a context cancelled by either req's context or
// the abort context, until the response body is closed.
func (a *abortable) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(a.ctx, cancel)
	release := func() { stop(); cancel() }

	resp, err := a.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// CloseIdleConnections closes the transport's idle connections.
func (a *abortable) CloseIdleConnections() { a.base.CloseIdleConnections() }

// releasingBody releases a request's context when its body is closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
