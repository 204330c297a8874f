package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The Docker context chosen with `docker context use` is followed by every
// part of postflight alike, testcontainers included (it reads DOCKER_HOST
// only); DOCKER_HOST set by the user wins, as it does for `docker`.
func TestClientFollowsTheDockerContext(t *testing.T) {
	const sock = "/var/run/docker.sock"
	link := filepath.Join(t.TempDir(), "ctx.sock")
	if err := os.Symlink(sock, link); err != nil {
		t.Fatal(err)
	}
	cfg := t.TempDir()
	writeFile(t, filepath.Join(cfg, "config.json"), `{"currentContext": "pf-test"}`)
	sum := sha256.Sum256([]byte("pf-test"))
	writeFile(t, filepath.Join(cfg, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json"),
		fmt.Sprintf(`{"Name":"pf-test","Metadata":{},"Endpoints":{"docker":{"Host":"unix://%s","SkipTLSVerify":false}}}`, link))
	t.Setenv("DOCKER_CONFIG", cfg)
	t.Setenv("DOCKER_CONTEXT", "")

	t.Run("DOCKER_HOST set wins", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
		followContext()
		if got := os.Getenv("DOCKER_HOST"); got != "tcp://127.0.0.1:1" {
			t.Errorf("DOCKER_HOST became %s", got)
		}
	})
	t.Run("the current context", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		followContext()
		c, err := Client(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if want := "unix://" + link; c.DaemonHost() != want || os.Getenv("DOCKER_HOST") != want {
			t.Errorf("daemon host %s, DOCKER_HOST %s; want the context's %s", c.DaemonHost(), os.Getenv("DOCKER_HOST"), want)
		}
		if testing.Short() {
			return
		}
		if _, err := os.Stat(sock); err != nil {
			t.Skipf("no daemon at %s: %v", sock, err)
		}
		if err := Ping(context.Background(), c); err != nil {
			t.Errorf("the context's daemon did not answer: %v", err)
		}
	})
	t.Run("DOCKER_CONTEXT=default is the environment's", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		t.Setenv("DOCKER_CONTEXT", "default")
		followContext()
		if got := os.Getenv("DOCKER_HOST"); got != "" {
			t.Errorf("DOCKER_HOST became %s", got)
		}
	})
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
