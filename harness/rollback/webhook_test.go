package rollback

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	secretEnv = "POSTFLIGHT_TEST_WEBHOOK_SECRET"
	secret    = "s3cr3t-do-not-print"
)

// receiver is a webhook receiver that checks signatures, as a real one
// must. answers, when set, are the statuses it gives, one per request, the
// last one repeated.
type receiver struct {
	secret  string
	answers []int

	mu       sync.Mutex
	times    []time.Time
	payloads []WebhookPayload
	delivery []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.times = append(rc.times, time.Now())
	n := len(rc.times)
	if !VerifySignature([]byte(rc.secret), body, r.Header.Get(SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if len(rc.answers) > 0 {
		if code := rc.answers[min(n, len(rc.answers))-1]; code >= 300 {
			http.Error(w, "not now", code)
			return
		}
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.payloads = append(rc.payloads, p)
	rc.delivery = append(rc.delivery, r.Header.Get(DeliveryHeader))
	w.WriteHeader(http.StatusAccepted)
}

func (rc *receiver) requests() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.times)
}

var webhookReq = Request{RunID: "run-7", PlanPath: "/plans/shop.yaml", OldImage: "shop:1.3.2", NewImage: "shop:1.4.0",
	Services: []string{"web"}, Reason: "1 of 2 checks failed: kv",
	Failing: []Failure{{Check: "load", Objective: "p99 latency", Status: "fail", Observed: "412ms", Budget: "at most 250ms"}}}

func newWebhook(t *testing.T, cfg WebhookConfig) *Webhook {
	t.Helper()
	if cfg.SecretEnv == "" {
		cfg.SecretEnv = secretEnv
	}
	w, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWebhookPostsASignedPayload(t *testing.T) {
	t.Setenv(secretEnv, secret)
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := newWebhook(t, WebhookConfig{URL: srv.URL + "/hooks/rollback?token=abc"})
	r := &Runner{Driver: w, StateDir: t.TempDir()}

	out, err := r.RollBack(context.Background(), webhookReq)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.payloads) != 1 {
		t.Fatalf("receiver got %d payloads", len(rc.payloads))
	}
	want := WebhookPayload{Event: "rollback", RunID: "run-7", Plan: "/plans/shop.yaml", Services: []string{"web"}, OldImage: "shop:1.3.2",
		NewImage: "shop:1.4.0", Reason: "1 of 2 checks failed: kv", Failing: webhookReq.Failing}
	if got, _ := json.Marshal(rc.payloads[0]); string(got) != string(mustJSON(t, want)) {
		t.Errorf("payload\n%s\nwant\n%s", got, mustJSON(t, want))
	}
	if rc.delivery[0] != "run-7" {
		t.Errorf("delivery id %q", rc.delivery[0])
	}
	if out.Steps[0].Note != "delivered: 202 Accepted on attempt 1" {
		t.Errorf("note %q", out.Steps[0].Note)
	}
	if strings.Contains(out.Action, "token=abc") {
		t.Errorf("the URL's query, which may hold a credential, is shown: %s", out.Action)
	}
	shown := string(mustJSON(t, out)) + r.Describe(webhookReq)
	if strings.Contains(shown, secret) {
		t.Errorf("the secret shows in the outcome or the description: %s", shown)
	}
}

func TestWebhookWithAWrongSecretIsRejectedAndNotRetried(t *testing.T) {
	t.Setenv(secretEnv, "not-the-receivers-secret")
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := newWebhook(t, WebhookConfig{URL: srv.URL, Backoff: time.Millisecond})
	_, err := (&Runner{Driver: w}).RollBack(context.Background(), webhookReq)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized: bad signature") || !strings.Contains(err.Error(), "attempt 1 of 5") {
		t.Errorf("err %v", err)
	}
	if n := rc.requests(); n != 1 {
		t.Errorf("receiver got %d requests, want 1: a 4xx is not retried", n)
	}
	if strings.Contains(err.Error(), "not-the-receivers-secret") {
		t.Error("the secret shows in the error")
	}
}

func TestWebhookRetriesServerErrorsWithExponentialBackoff(t *testing.T) {
	t.Setenv(secretEnv, secret)
	rc := &receiver{secret: secret, answers: []int{503, 502, 200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := newWebhook(t, WebhookConfig{URL: srv.URL, Backoff: 100 * time.Millisecond})
	out, err := (&Runner{Driver: w}).RollBack(context.Background(), webhookReq)
	if err != nil {
		t.Fatal(err)
	}
	if out.Steps[0].Note != "delivered: 202 Accepted on attempt 3" {
		t.Errorf("note %q", out.Steps[0].Note)
	}
	first, second := rc.times[1].Sub(rc.times[0]), rc.times[2].Sub(rc.times[1])
	// 100ms then 200ms, each ±20%.
	if first < 75*time.Millisecond || second < 155*time.Millisecond || second <= first {
		t.Errorf("waits between attempts %s, %s: want about 100ms then 200ms", first, second)
	}
}

func TestWebhookGivesUpOnAnUnreachableReceiverAfterItsAttempts(t *testing.T) {
	t.Setenv(secretEnv, secret)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/hook"
	l.Close()
	w := newWebhook(t, WebhookConfig{URL: url, Attempts: 3, Backoff: 10 * time.Millisecond})
	state := t.TempDir()
	_, err = (&Runner{Driver: w, StateDir: state}).RollBack(context.Background(), webhookReq)
	if err == nil || !strings.Contains(err.Error(), "attempt 3 of 3") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err %v", err)
	}
	p, _ := Pending(state)
	if len(p) != 1 || p[0].Last.Event != EventFailed || !strings.Contains(p[0].Last.Error, "connection refused") {
		t.Errorf("the failed rollback's journal: %v", p)
	}
}

func TestWebhookVerifiesTLSByDefault(t *testing.T) {
	t.Setenv(secretEnv, secret)
	rc := &receiver{secret: secret}
	srv := httptest.NewTLSServer(rc)
	defer srv.Close()

	w := newWebhook(t, WebhookConfig{URL: srv.URL})
	_, err := (&Runner{Driver: w}).RollBack(context.Background(), webhookReq)
	if err == nil || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "attempt 1 of") {
		t.Errorf("an unverifiable certificate: err %v, want a certificate error, not retried", err)
	}
	if n := rc.requests(); n != 0 {
		t.Errorf("receiver got %d requests over an unverified connection", n)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	w = newWebhook(t, WebhookConfig{URL: srv.URL, CAFile: ca})
	if _, err := (&Runner{Driver: w}).RollBack(context.Background(), webhookReq); err != nil {
		t.Errorf("with the receiver's CA: %v", err)
	}
	if n := rc.requests(); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

func TestWebhookWithoutItsSecretSendsNothing(t *testing.T) {
	t.Setenv(secretEnv, "")
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := newWebhook(t, WebhookConfig{URL: srv.URL})
	state := t.TempDir()
	_, err := (&Runner{Driver: w, StateDir: state}).RollBack(context.Background(), webhookReq)
	if err == nil || err.Error() != "webhook secret: environment variable "+secretEnv+" is not set" {
		t.Errorf("err %v", err)
	}
	if rc.requests() != 0 {
		t.Error("sent without a secret")
	}
	if p, _ := Pending(state); len(p) != 0 {
		t.Errorf("a rollback refused before any change left a journal: %v", p)
	}
	if _, err := NewWebhook(WebhookConfig{URL: srv.URL}); err == nil {
		t.Error("a webhook without secret_env was accepted")
	}
	if _, err := NewWebhook(WebhookConfig{URL: "ftp://example.com", SecretEnv: secretEnv}); err == nil {
		t.Error("an ftp URL was accepted")
	}
}

func TestWebhookDryRunSendsNothing(t *testing.T) {
	t.Setenv(secretEnv, secret)
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	out, err := (&Runner{Driver: newWebhook(t, WebhookConfig{URL: srv.URL}), StateDir: t.TempDir()}).DryRun(context.Background(), webhookReq)
	if err != nil {
		t.Fatal(err)
	}
	if rc.requests() != 0 || !out.DryRun || !strings.Contains(out.Output, "would POST the rollback to "+srv.URL) {
		t.Errorf("dry run: %d requests, %+v", rc.requests(), out)
	}
}

// A webhook rollback that failed is posted again by Resume, with the same
// delivery id, so the receiver can tell it is the same rollback.
func TestResumedWebhookRollbackPostsAgainWithTheSameDeliveryID(t *testing.T) {
	t.Setenv(secretEnv, secret)
	rc := &receiver{secret: secret, answers: []int{503, 200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	state := t.TempDir()
	w := newWebhook(t, WebhookConfig{URL: srv.URL, Attempts: 1})
	_, err := (&Runner{Driver: w, StateDir: state}).RollBack(context.Background(), webhookReq)
	if err == nil {
		t.Fatal("the receiver's 503 with one attempt allowed did not fail the rollback")
	}
	outs, err := Resume(context.Background(), state, ResumeOptions{})
	if err != nil || len(outs) != 1 {
		t.Fatalf("resume: %+v, %v", outs, err)
	}
	if len(rc.delivery) != 1 || rc.delivery[0] != webhookReq.RunID || rc.requests() != 2 {
		t.Errorf("deliveries %v after %d requests", rc.delivery, rc.requests())
	}
	if p, _ := Pending(state); len(p) != 0 {
		t.Errorf("journal left after resume: %v", p)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"event":"rollback"}`)
	sig := Sign([]byte("k"), body)
	// echo -n '{"event":"rollback"}' | openssl dgst -sha256 -hmac k
	if sig != "sha256=2adaf2bbaa05434034e78601b8c6711210808780a401cdeb322588a6c7a4c155" {
		t.Errorf("signature %q", sig)
	}
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		ok     bool
	}{
		{"right", "k", body, sig, true},
		{"wrong secret", "K", body, sig, false},
		{"changed body", "k", []byte(`{"event":"rollback "}`), sig, false},
		{"no prefix", "k", body, strings.TrimPrefix(sig, "sha256="), false},
		{"not hex", "k", body, "sha256=zz", false},
		{"empty", "k", body, "", false},
	}
	for _, tt := range tests {
		if got := VerifySignature([]byte(tt.secret), tt.body, tt.header); got != tt.ok {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A receiver that redirects has not taken the rollback: the client must not
// follow it (a 302 turns the POST into a GET of a page that answers 200,
// and sends the signed payload to wherever it points).
func TestWebhookRedirectIsNotADelivery(t *testing.T) {
	t.Setenv(secretEnv, secret)
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			var followed atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				followed.Add(1)
				io.WriteString(w, "<html>sign in</html>")
			}))
			defer other.Close()
			redirects := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				redirects++
				http.Redirect(w, r, other.URL+"/login", code)
			}))
			defer srv.Close()
			w := newWebhook(t, WebhookConfig{URL: srv.URL + "/hooks/rollback", Attempts: 3, Backoff: time.Millisecond})
			r := &Runner{Driver: w, StateDir: t.TempDir()}

			_, err := r.RollBack(context.Background(), webhookReq)
			if err == nil {
				t.Fatal("a redirect counted as the rollback delivered")
			}
			if !strings.Contains(err.Error(), http.StatusText(code)) || !strings.Contains(err.Error(), "redirect") {
				t.Errorf("error does not say the receiver redirected: %v", err)
			}
			if n := followed.Load(); n != 0 {
				t.Errorf("the redirect was followed: the other server got %d request(s)", n)
			}
			if redirects != 1 {
				t.Errorf("a redirect was retried: %d requests", redirects)
			}
		})
	}
}

// The timeout bounds the rollback, not each attempt: a receiver that
// never answers costs one timeout, however many attempts are allowed.
func TestWebhookTimeoutBoundsEveryAttemptTogether(t *testing.T) {
	t.Setenv(secretEnv, secret)
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		io.Copy(io.Discard, r.Body) // so that the server notices the client leave
		<-r.Context().Done()
	}))
	defer srv.Close()
	const timeout = 300 * time.Millisecond
	w := newWebhook(t, WebhookConfig{URL: srv.URL, Timeout: timeout, Attempts: 10, Backoff: time.Millisecond})
	start := time.Now()
	_, err := (&Runner{Driver: w, StateDir: t.TempDir()}).RollBack(context.Background(), webhookReq)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("err %v; want it to say the rollback timed out after 300ms", err)
	}
	if took > 3*timeout {
		t.Errorf("a silent receiver held the rollback %s over %d attempt(s), past its %s timeout", took, attempts.Load(), timeout)
	}
}
