package propagation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"

	"github.com/postflight/postflight/internal/jsondup"
	"github.com/postflight/postflight/internal/redirect"
)

const (
	// maxReadBody bounds how much of a read's body is searched for the token.
	maxReadBody = 8 << 20
	// maxSnippet bounds how much of a failed write's body its error quotes.
	maxSnippet = 200
)

// prober does the HTTP work of a run: writes and polls.
type prober struct {
	spec   Spec
	client *http.Client
	field  jp.Expr // nil: the token may appear anywhere in the body
}

// newProber returns a prober for a valid spec, with its own connections:
// enough idle ones kept for every write and poll of the samples in flight.
func newProber(s Spec) *prober {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	p := &prober{
		spec: s,
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil, // the stack under test is reached directly
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: s.Concurrency * (len(s.Reads) + 1),
			IdleConnTimeout:     90 * time.Second,
		},
			// A read redirected elsewhere is not the read endpoint showing
			// the token: say, a replica that sends its reads to the writer.
			CheckRedirect: redirect.WithinOrigin,
		},
	}
	if s.Field != "" {
		p.field = jp.MustParseString(s.Field) // validated
	}
	return p
}

// write writes token and returns when its answer has been read: the moment
// propagation delays count from. answered says an HTTP answer came back,
// whatever its status.
func (p *prober) write(ctx context.Context, token string) (written time.Time, answered bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.spec.Timeout)
	defer cancel()
	req, err := p.spec.Write.request(ctx, token)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("write: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("write: %w", err)
	}
	defer resp.Body.Close()
	snippet, err := io.ReadAll(io.LimitReader(resp.Body, maxSnippet))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("write %s %s: read answer: %w", req.Method, req.URL, err)
	}
	written = time.Now()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return time.Time{}, true, fmt.Errorf("write %s %s: %w", req.Method, req.URL,
			&statusError{code: resp.StatusCode, snippet: string(bytes.TrimSpace(snippet))})
	}
	return written, true, nil
}

// poll reads once from read and says whether token shows there: nil if it
// does, else why not. answered says whether an HTTP answer came back.
func (p *prober) poll(ctx context.Context, read Request, token string) (answered bool, miss error) {
	req, err := read.request(ctx, token)
	if err != nil {
		return false, fmt.Errorf("poll: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("poll: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReadBody))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return false, fmt.Errorf("poll %s %s: read answer: %w", req.Method, req.URL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return true, &statusError{code: resp.StatusCode}
	}
	return true, p.shows(body, token)
}

// shows says whether a read's body shows token: nil if it does, else why
// not.
func (p *prober) shows(body []byte, token string) error {
	if p.field == nil {
		if bytes.Contains(body, []byte(token)) {
			return nil
		}
		return errAbsent
	}
	doc, err := oj.Parse(body)
	if err != nil {
		return errAbsent
	}
	if k, dup := jsondup.Key(body); dup {
		// Say, a stale value and the token under one key: clients differ
		// on which counts, so the answer shows neither.
		return fmt.Errorf("%w: the answer has key %q twice in one object", errAbsent, k)
	}
	for _, v := range p.field.Get(doc) {
		if s, ok := v.(string); ok && s == token {
			return nil
		}
	}
	return errAbsent
}
