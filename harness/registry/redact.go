package registry

import (
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
)

// redacted replaces a secret in text.
const redacted = "[REDACTED]"

// redactor removes the credentials the client has seen from text bound for
// results and errors: passwords, tokens, the base64 form a Basic header
// carries, and user names long enough not to match ordinary words.
type redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// add remembers the secrets of an authorization.
func (r *redactor) add(cfg *authn.AuthConfig) {
	if cfg == nil {
		return
	}
	candidates := []string{cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken}
	if cfg.Username != "" || cfg.Password != "" {
		candidates = append(candidates,
			base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password)))
	}
	if len(cfg.Username) >= 4 {
		candidates = append(candidates, cfg.Username)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range candidates {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
}

// string returns s without the secrets.
func (r *redactor) string(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

// error returns err's text without the secrets, and without the query of
// any URL it names: a redirect to blob storage carries signed tokens there.
func (r *redactor) error(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if u, perr := url.Parse(uerr.URL); perr == nil && u.RawQuery != "" {
			bare := *u
			bare.RawQuery = redacted
			msg = strings.ReplaceAll(msg, uerr.URL, bare.String())
		}
	}
	return r.string(msg)
}
