package daemon_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/postflight/postflight/harness/daemon"
)

func TestClientReachesTheNamedDaemon(t *testing.T) {
	ctx := context.Background()
	dead := "unix://" + filepath.Join(t.TempDir(), "docker.sock")

	t.Run("host given: used as is, not contacted until asked", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
		c, err := daemon.Client(ctx, dead)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.DaemonHost() != dead {
			t.Errorf("daemon host %s, want %s", c.DaemonHost(), dead)
		}
		if err := daemon.Ping(ctx, c); err == nil {
			t.Error("a daemon that is not there answered its ping")
		}
	})
	t.Run("DOCKER_HOST: used, never the default socket", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", dead)
		c, err := daemon.Client(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.DaemonHost() != dead {
			t.Errorf("daemon host %s, want %s", c.DaemonHost(), dead)
		}
		if got := daemon.Describe(""); got != "DOCKER_HOST="+dead {
			t.Errorf("described as %q", got)
		}
	})
}
