package stack

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// docker compose reads the .env file beside the compose file, and the
// process environment wins over it. A replica that read only the process
// environment would run another configuration than the deployed one: here
// another image of a service not under test.
func TestLoadComposeInterpolatesAsDockerComposeDoes(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"from the .env file", nil, "cache:1.2"},
		{"the process environment wins", map[string]string{"CACHE_TAG": "9"}, "cache:9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			files := map[string]string{
				"compose.yaml": "services:\n  cache:\n    image: cache:${CACHE_TAG}\n",
				".env":         "CACHE_TAG=1.2\n",
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			p, err := LoadCompose(context.Background(), filepath.Join(dir, "compose.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Services["cache"].Image; got != tt.want {
				t.Errorf("image %q, want %q", got, tt.want)
			}
		})
	}
}
