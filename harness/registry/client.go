// Package registry asks a registry for images the way a pull would, and
// checks what comes back: every manifest and every config and layer blob of
// an image, streamed through its digest and size check without touching the
// disk. It is what catches a registry whose manifests still resolve while
// the layers behind them are gone or cut short.
//
// A registry that cannot be asked (timeout, no connection, credentials
// refused or missing, server error) makes a check inconclusive with the
// reason: never a pass, and never the image's fault. Credentials come from
// the Docker config and its credential helpers, and never appear in results
// or errors.
package registry

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Client talks to registries with the caller's credentials. It is safe for
// concurrent use, and keeps one authenticated session per repository.
type Client struct {
	keychain authn.Keychain
	base     http.RoundTripper
	insecure bool
	parallel int
	stall    time.Duration
	// timeout bounds each request (WithTimeout); 0 leaves the defaults.
	timeout time.Duration
	redact  *redactor

	mu       sync.Mutex
	sessions map[string]*session
}

// New returns a client; see the With* options for the defaults.
func New(opts ...Option) *Client {
	c := &Client{
		keychain: authn.DefaultKeychain,
		parallel: DefaultParallelism,
		stall:    DefaultStallTimeout,
		redact:   &redactor{},
		sessions: map[string]*session{},
	}
	for _, o := range opts {
		o(c)
	}
	if c.base == nil {
		t := newTransport(c.timeout)
		if c.insecure {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with WithInsecure
		}
		c.base = t
	}
	return c
}

// session is an authenticated transport to one repository.
type session struct {
	repo   name.Repository
	client *http.Client
	// anonymous says the keychain had no credentials for the registry.
	anonymous bool
}

// authHint says which credentials were used, for auth errors. It never
// names them.
func (s *session) authHint() string {
	host := s.repo.RegistryStr()
	if s.anonymous {
		return fmt.Sprintf("no credentials for %s in the Docker config or its credential helpers", host)
	}
	return fmt.Sprintf("with the credentials for %s from the Docker config", host)
}

// parse reads an image reference: a tag (default latest) or a digest.
func (c *Client) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if c.insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("parse image reference %q: %w", ref, err)
	}
	return r, nil
}

// parseRepository reads a repository name: "localhost:5000/app".
func (c *Client) parseRepository(repo string) (name.Repository, error) {
	var opts []name.Option
	if c.insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRepository(repo, opts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("parse repository %q: %w", repo, err)
	}
	return r, nil
}

// session returns the authenticated session to repo, opening it if need
// be: credentials from the keychain, then the registry's challenge and,
// for token auth, a pull token. A failure is not kept: the next call tries
// again.
func (c *Client) session(ctx context.Context, repo name.Repository) (*session, error) {
	key := repo.Name()
	c.mu.Lock()
	s, ok := c.sessions[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	op := "open a session with " + repo.Name()
	auth, err := authn.Resolve(ctx, c.keychain, repo)
	if err != nil {
		return nil, c.newError(op, nil, CauseAuth, 0, fmt.Errorf("read credentials for %s: %w", repo.RegistryStr(), err))
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, c.newError(op, nil, CauseAuth, 0, fmt.Errorf("read credentials for %s: %w", repo.RegistryStr(), err))
	}
	c.redact.add(cfg)
	s = &session{repo: repo, anonymous: auth == authn.Anonymous || *cfg == (authn.AuthConfig{})}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, c.base, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		cause := classify(ctx, err)
		if cause == CauseNotFound {
			cause = CauseRegistry // no /v2/ there: not a registry
		}
		return nil, c.newError(op, s, cause, statusOf(err), err)
	}
	s.client = &http.Client{Transport: rt}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.sessions[key]; ok {
		return prev, nil
	}
	c.sessions[key] = s
	return s, nil
}

// url is the address of a manifest or blob in the session's repository.
func (s *session) url(resource, identifier string) string {
	return fmt.Sprintf("%s://%s/v2/%s/%s/%s", s.repo.Scheme(), s.repo.RegistryStr(), s.repo.RepositoryStr(), resource, identifier)
}
