package registry

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

func TestRedactorRemovesEveryFormOfTheCredentials(t *testing.T) {
	r := &redactor{}
	r.add(&authn.AuthConfig{Username: "deploy-bot", Password: "hunter2-long", IdentityToken: "id-tok-123", RegistryToken: "reg-tok-456"})
	basic := "ZGVwbG95LWJvdDpodW50ZXIyLWxvbmc=" // base64("deploy-bot:hunter2-long")
	err := fmt.Errorf("login as deploy-bot with hunter2-long: Authorization: Basic %s; tokens id-tok-123 reg-tok-456", basic)
	got := r.error(err)
	for _, secret := range []string{"deploy-bot", "hunter2-long", basic, "id-tok-123", "reg-tok-456"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q left in %q", secret, got)
		}
	}
	if !strings.Contains(got, redacted) {
		t.Errorf("no redaction mark in %q", got)
	}
}

func TestRedactorKeepsShortUserNamesAndDropsURLQueries(t *testing.T) {
	r := &redactor{}
	r.add(&authn.AuthConfig{Username: "ci", Password: "pw-0123456"})
	if got := r.string("specific ci job"); got != "specific ci job" {
		t.Errorf("a short user name should not be redacted from ordinary words: %q", got)
	}
	signed := "https://blobs.example/sha256/ab?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA"
	err := &url.Error{Op: "Get", URL: signed, Err: errors.New("connection reset by peer")}
	got := r.error(err)
	if strings.Contains(got, "deadbeef") || strings.Contains(got, "AKIA") || !strings.Contains(got, "blobs.example/sha256/ab") {
		t.Errorf("query should go, the rest stay: %q", got)
	}
}
