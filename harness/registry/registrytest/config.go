package registrytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// DockerConfig points DOCKER_CONFIG, for the rest of the test, at a new
// config that holds user and password for the registry (as `docker login`
// writes them).
func (r *Registry) DockerConfig(t testing.TB, user, password string) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	writeDockerConfig(t, map[string]any{"auths": map[string]any{r.Host: map[string]string{"auth": auth}}})
}

// CredentialHelper points DOCKER_CONFIG, for the rest of the test, at a new
// config that sends the registry to a credential helper, and puts that
// helper (a script answering user and password) first on PATH.
func (r *Registry) CredentialHelper(t testing.TB, user, password string) {
	t.Helper()
	bin := t.TempDir()
	answer, err := json.Marshal(map[string]string{"ServerURL": r.Host, "Username": user, "Secret": password})
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n# docker-credential helper for a test: answers `get` only\n[ \"$1\" = get ] || exit 1\ncat >/dev/null\nprintf '%%s\\n' '%s'\n", answer)
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-postflight-test"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	writeDockerConfig(t, map[string]any{"credHelpers": map[string]string{r.Host: "postflight-test"}})
}

// NoDockerConfig points DOCKER_CONFIG, for the rest of the test, at an empty
// config: no credentials for anything.
func NoDockerConfig(t testing.TB) {
	t.Helper()
	writeDockerConfig(t, map[string]any{})
}

func writeDockerConfig(t testing.TB, cfg map[string]any) {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}
