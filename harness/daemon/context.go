package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
)

func init() { followContext() }

// followContext makes the current Docker context's daemon the one DOCKER_HOST
// names, when DOCKER_HOST is unset: testcontainers, which runs replica
// stacks, reads DOCKER_HOST but not Docker contexts, and every part of
// postflight must reach the daemon `docker` itself would.
func followContext() {
	if os.Getenv("DOCKER_HOST") != "" {
		return
	}
	ep, ok := currentContext()
	if !ok {
		return
	}
	os.Setenv("DOCKER_HOST", ep.host)
	if ep.tlsDir != "" && os.Getenv("DOCKER_CERT_PATH") == "" {
		os.Setenv("DOCKER_CERT_PATH", ep.tlsDir)
		if !ep.skipTLSVerify {
			os.Setenv("DOCKER_TLS_VERIFY", "1")
		}
	}
}

// endpoint is a Docker context's daemon.
type endpoint struct {
	name, host    string
	tlsDir        string // ca.pem, cert.pem and key.pem, when the context has them
	skipTLSVerify bool
}

// currentContext reads the Docker context `docker` would use: DOCKER_CONTEXT,
// else the config file's currentContext; "default" (or none) is the
// environment and the default socket, so it reports none.
func currentContext() (endpoint, bool) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return endpoint{}, false
		}
		dir = filepath.Join(home, ".docker")
	}
	name := os.Getenv("DOCKER_CONTEXT")
	if name == "" {
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		if !readJSON(filepath.Join(dir, "config.json"), &cfg) {
			return endpoint{}, false
		}
		name = cfg.CurrentContext
	}
	if name == "" || name == "default" {
		return endpoint{}, false
	}
	// The context store keys each context by the SHA-256 of its name.
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	var meta struct {
		Endpoints map[string]struct {
			Host          string `json:"Host"`
			SkipTLSVerify bool   `json:"SkipTLSVerify"`
		} `json:"Endpoints"`
	}
	if !readJSON(filepath.Join(dir, "contexts", "meta", id, "meta.json"), &meta) {
		return endpoint{}, false
	}
	d, ok := meta.Endpoints["docker"]
	if !ok || d.Host == "" {
		return endpoint{}, false
	}
	ep := endpoint{name: name, host: d.Host, skipTLSVerify: d.SkipTLSVerify}
	if tls := filepath.Join(dir, "contexts", "tls", id, "docker"); exists(filepath.Join(tls, "ca.pem")) {
		ep.tlsDir = tls
	}
	return ep, true
}

func readJSON(path string, v any) bool {
	b, err := os.ReadFile(path)
	return err == nil && json.Unmarshal(b, v) == nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
