package propagation

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Request is an HTTP request template.
type Request struct {
	// Method defaults to GET for reads; a write must name one.
	Method string
	// URL is absolute, http or https.
	URL     string
	Headers map[string]string
	Body    []byte
}

// validate checks that r makes a request once a token is in.
func (r Request) validate() error {
	req, err := r.request(context.Background(), newToken())
	if err != nil {
		return err
	}
	if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return fmt.Errorf("url %q: want an absolute http or https url", r.URL)
	}
	return nil
}

// carriesToken says whether r has Placeholder anywhere it is replaced.
func (r Request) carriesToken() bool {
	if strings.Contains(r.URL, Placeholder) || strings.Contains(string(r.Body), Placeholder) {
		return true
	}
	for _, v := range r.Headers {
		if strings.Contains(v, Placeholder) {
			return true
		}
	}
	return false
}

// with returns r with token in place of every Placeholder.
func (r Request) with(token string) Request {
	out := Request{
		Method:  r.Method,
		URL:     strings.ReplaceAll(r.URL, Placeholder, token),
		Headers: make(map[string]string, len(r.Headers)),
		Body:    bytes.ReplaceAll(r.Body, []byte(Placeholder), []byte(token)),
	}
	for k, v := range r.Headers {
		out.Headers[k] = strings.ReplaceAll(v, Placeholder, token)
	}
	return out
}

// request builds the HTTP request of r for token.
func (r Request) request(ctx context.Context, token string) (*http.Request, error) {
	r = r.with(token)
	method := cmp.Or(r.Method, http.MethodGet)
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	return req, nil
}

// describe names r for messages: its method and URL, before the token is in.
func (r Request) describe() string {
	return cmp.Or(r.Method, http.MethodGet) + " " + r.URL
}
