// Package redirect is the redirect policy of every request a check sends.
package redirect

import (
	"fmt"
	"net/http"
)

// Max bounds the redirects followed within the target's origin.
const Max = 10

// WithinOrigin is an http.Client's CheckRedirect that follows redirects
// within the scheme, host and port the request was sent to, and hands a
// redirect anywhere else back as the answer: a check measures its target,
// and a broken service that sends its callers to a healthy one elsewhere
// must not pass as healthy.
func WithinOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return http.ErrUseLastResponse
	}
	if len(via) >= Max {
		return fmt.Errorf("stopped after %d redirects", Max)
	}
	return nil
}
