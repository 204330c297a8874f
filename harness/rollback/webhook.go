package rollback

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/postflight/postflight/internal/safetext"
)

// Webhook defaults.
const (
	DefaultWebhookTimeout  = 10 * time.Second
	DefaultWebhookAttempts = 5
	DefaultWebhookBackoff  = 500 * time.Millisecond
	maxWebhookBackoff      = 30 * time.Second
)

// Webhook headers besides SignatureHeader.
const (
	// DeliveryHeader is the run id: a receiver that sees it twice (a
	// retry, a resumed rollback) can act once.
	DeliveryHeader = "X-Postflight-Delivery"
	EventHeader    = "X-Postflight-Event"
)

// WebhookConfig configures the webhook driver.
type WebhookConfig struct {
	// URL receives the POST; https unless the receiver is on this host.
	URL string `json:"url" yaml:"url"`
	// SecretEnv names the environment variable that holds the signing
	// secret. The secret itself is never written to a plan, a journal, a
	// log or a report.
	SecretEnv string `json:"secret_env" yaml:"secret_env"`
	// Timeout bounds the delivery, every attempt and wait between them
	// together (a plan's rollback.timeout); DefaultWebhookTimeout when zero.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout"`
	// Attempts bounds the attempts (the first and its retries);
	// DefaultWebhookAttempts when zero.
	Attempts int `json:"attempts,omitempty" yaml:"attempts"`
	// Backoff is the wait before the first retry, doubled before each next
	// one (up to 30s); DefaultWebhookBackoff when zero.
	Backoff time.Duration `json:"backoff,omitempty" yaml:"backoff"`
	// CAFile is a PEM file of certificate authorities to trust besides
	// the system's.
	CAFile string `json:"ca_file,omitempty" yaml:"ca_file"`
	// InsecureSkipVerify turns TLS verification off. Off by default.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty" yaml:"insecure_skip_verify"`
}

// WebhookPayload is the JSON body the webhook driver posts.
type WebhookPayload struct {
	// Event is "rollback".
	Event    string    `json:"event"`
	RunID    string    `json:"run_id"`
	Plan     string    `json:"plan,omitempty"`
	Services []string  `json:"services"`
	OldImage string    `json:"old_image"`
	NewImage string    `json:"new_image"`
	Reason   string    `json:"reason"`
	Failing  []Failure `json:"failing_objectives"`
}

// Webhook rolls back by asking someone else to: it POSTs a WebhookPayload,
// signed in SignatureHeader, with the run id in DeliveryHeader. A 2xx answer
// is success; a redirect is not followed and fails at once. A 5xx, 408 or 429 answer or a connection error is retried
// with exponential backoff, up to Attempts in all; any other answer (a
// wrong signature's 401 or 403) and a certificate that does not verify fail
// at once. A resumed rollback posts again, with the same delivery id.
type Webhook struct {
	cfg    WebhookConfig
	client *http.Client
}

var _ Driver = (*Webhook)(nil)

// NewWebhook returns the webhook driver.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webhook url %q: want an http(s) URL", safetext.URL(cfg.URL))
	}
	if cfg.SecretEnv == "" {
		return nil, errors.New("webhook: secret_env must name the environment variable that holds the signing secret")
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("webhook ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("webhook ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	// A redirect is an answer, not a delivery: following it would turn
	// the POST into a GET of some page that answers 200 (a login page, a
	// moved endpoint), or send the signed payload to wherever it points.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Webhook{cfg: cfg, client: &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: noRedirect}}, nil
}

// Name implements Driver.
func (w *Webhook) Name() string { return DriverWebhook }

// Config implements Driver. The URL's credentials (userinfo, query
// values) are left out, as they must not reach a journal; a resume gets
// them back from the plan (see restoreSecrets).
func (w *Webhook) Config() Config {
	cfg := w.cfg
	cfg.URL = safetext.URL(cfg.URL)
	return Config{Driver: DriverWebhook, Webhook: &cfg}
}

// fullConfig is Config with the URL as configured.
func (w *Webhook) fullConfig() Config {
	cfg := w.cfg
	return Config{Driver: DriverWebhook, Webhook: &cfg}
}

// Targets implements Driver: one rollback per receiver at a time.
func (w *Webhook) Targets(Request) []string { return []string{"webhook " + safetext.URL(w.cfg.URL)} }

// Describe implements Driver.
func (w *Webhook) Describe(req Request) string {
	return fmt.Sprintf("POST the rollback of %s (%s -> %s) to %s, signed with the secret in $%s",
		strings.Join(req.Services, ", "), orUnknown(req.NewImage), req.OldImage, safetext.URL(w.cfg.URL), w.cfg.SecretEnv)
}

// Decide implements Driver: one step, the POST. A missing secret is an
// error here, before anything is sent.
func (w *Webhook) Decide(ctx context.Context, req Request) ([]Step, error) {
	if _, err := w.secret(); err != nil {
		return nil, err
	}
	return []Step{{Object: safetext.URL(w.cfg.URL), Action: ActionPost, From: req.NewImage, To: req.OldImage}}, nil
}

func (w *Webhook) secret() ([]byte, error) {
	s := os.Getenv(w.cfg.SecretEnv)
	if s == "" {
		return nil, fmt.Errorf("webhook secret: environment variable %s is not set", w.cfg.SecretEnv)
	}
	return []byte(s), nil
}

// Apply implements Driver: it posts the payload, retrying as Webhook says.
func (w *Webhook) Apply(ctx context.Context, req Request, step Step) (Result, error) {
	res := Result{Step: step}
	secret, err := w.secret()
	if err != nil {
		return res, err
	}
	body, err := json.Marshal(WebhookPayload{Event: "rollback", RunID: req.RunID, Plan: req.PlanPath, Services: orEmpty(req.Services),
		OldImage: req.OldImage, NewImage: req.NewImage, Reason: req.Reason, Failing: orEmpty(req.Failing)})
	if err != nil {
		return res, fmt.Errorf("encode webhook payload: %w", err)
	}
	sig := Sign(secret, body)
	// The client's timeout bounds each attempt; this bounds them all, so
	// that a receiver that never answers costs the rollback one timeout.
	deadline, cancel := context.WithTimeout(ctx, w.client.Timeout)
	defer cancel()
	outer := ctx
	ctx = deadline
	attempts := w.cfg.Attempts
	if attempts <= 0 {
		attempts = DefaultWebhookAttempts
	}
	first := w.cfg.Backoff
	if first <= 0 {
		first = DefaultWebhookBackoff
	}
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(first), backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.2), backoff.WithMaxInterval(maxWebhookBackoff), backoff.WithMaxElapsedTime(0))
	n := 0
	var status string
	post := func() error {
		n++
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
		if err != nil {
			return backoff.Permanent(errors.New(safetext.Redact(err.Error())))
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("User-Agent", "postflight")
		r.Header.Set(SignatureHeader, sig)
		r.Header.Set(DeliveryHeader, req.RunID)
		r.Header.Set(EventHeader, "rollback")
		resp, err := w.client.Do(r)
		if ue, ok := err.(*url.Error); ok {
			// Go's transport error quotes the URL, query and all.
			ue.URL = safetext.URL(ue.URL)
		}
		if err != nil {
			if permanentTLS(err) || ctx.Err() != nil {
				return backoff.Permanent(err)
			}
			return err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		snippet := safetext.Text(strings.TrimSpace(string(raw)), 512)
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		status = safetext.Text(resp.Status, 128)
		switch code := resp.StatusCode; {
		case code >= 200 && code < 300:
			return nil
		case code >= 300 && code < 400:
			return backoff.Permanent(fmt.Errorf("answered %s, a redirect to %s, not followed: the receiver did not take the rollback; point rollback.webhook.url at the receiver itself",
				status, cmp.Or(safetext.Text(safetext.URL(resp.Header.Get("Location")), 256), "nowhere")))
		case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
			return fmt.Errorf("answered %s: %s", status, snippet)
		default:
			return backoff.Permanent(fmt.Errorf("answered %s: %s", status, snippet))
		}
	}
	err = backoff.Retry(post, backoff.WithContext(backoff.WithMaxRetries(b, uint64(attempts-1)), ctx))
	if err != nil && outer.Err() == nil && ctx.Err() != nil {
		return res, fmt.Errorf("post the rollback to %s: timed out after %s (attempt %d of %d): %w", safetext.URL(w.cfg.URL), w.client.Timeout, n, attempts, err)
	}
	if err != nil {
		return res, fmt.Errorf("post the rollback to %s (attempt %d of %d): %w", safetext.URL(w.cfg.URL), n, attempts, err)
	}
	res.Note = fmt.Sprintf("delivered: %s on attempt %d", status, n)
	return res, nil
}

// Verify implements Driver. A receiver acts on its own time; the plan's
// verify checks tell whether the old version is back.
func (w *Webhook) Verify(ctx context.Context, req Request, steps []Step) (string, error) {
	return "", nil
}

// permanentTLS says a request failed on a certificate: retrying cannot help.
func permanentTLS(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
