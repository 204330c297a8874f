package rollback

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A webhook URL's token stays out of the journal, and a resume gets it
// back from the plan's configuration of the same receiver: the receiver
// sees it again, and without that configuration the resume refuses to post
// to the redacted URL.
func TestResumedWebhookGetsItsURLTokenFromThePlanNotTheJournal(t *testing.T) {
	var calls atomic.Int32
	var lastQuery atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastQuery.Store(r.URL.RawQuery)
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadRequest) // the first post fails for good
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("PF_TEST_SECRET", "k")
	cfg := Config{Driver: DriverWebhook, Webhook: &WebhookConfig{URL: srv.URL + "/rb?token=s3cret", SecretEnv: "PF_TEST_SECRET", Attempts: 1}}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	if _, err := (&Runner{Driver: d, StateDir: state}).RollBack(context.Background(), Request{RunID: "tok"}); err == nil {
		t.Fatal("the first post did not fail")
	}
	journals, _ := filepath.Glob(filepath.Join(state, "journal", "*"))
	for _, j := range journals {
		if b, _ := os.ReadFile(j); strings.Contains(string(b), "s3cret") || !strings.Contains(string(b), "token=REDACTED") {
			t.Errorf("journal %s:\n%s", j, b)
		}
	}

	_, err = Resume(context.Background(), state, ResumeOptions{})
	if err == nil || !strings.Contains(err.Error(), "resume it with the plan") || calls.Load() != 1 {
		t.Fatalf("resume without the plan's config: %v, %d posts", err, calls.Load())
	}
	outs, err := Resume(context.Background(), state, ResumeOptions{Config: &cfg})
	if err != nil || len(outs) != 1 || calls.Load() != 2 || lastQuery.Load() != "token=s3cret" {
		t.Fatalf("resume with it: %+v, %v; %d posts, query %v", outs, err, calls.Load(), lastQuery.Load())
	}
}
