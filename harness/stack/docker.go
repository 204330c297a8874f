package stack

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/postflight/postflight/harness/daemon"
)

// init sets the two testcontainers settings postflight relies on, unless the
// user set them: postflight removes what it creates itself (by label), so it
// needs no reaper container, and it reaches published ports on the loopback
// address. testcontainers reads them once, on first use.
func init() {
	for k, v := range map[string]string{
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
	} {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
	// Progress is reported by postflight, per stage; testcontainers' own
	// per-container log lines would drown it.
	tclog.SetDefault(tclog.NewNoopLogger())
}

// NewDockerClient connects to the Docker daemon the way testcontainers
// finds it (DOCKER_HOST, the Docker context, the default socket), so that
// what postflight lists and removes is on the daemon where the replica runs.
//
// A DOCKER_HOST that does not answer is an error: testcontainers would go
// on to the default socket, and the replica would run, and pass, on a
// daemon the user did not name.
func NewDockerClient(ctx context.Context) (*client.Client, error) {
	c, err := daemon.Client(ctx, "")
	if err != nil {
		return nil, err
	}
	if os.Getenv("DOCKER_HOST") != "" {
		if err := daemon.Ping(ctx, c); err != nil {
			c.Close()
			return nil, fmt.Errorf("connect to docker at %s: %w", daemon.Describe(""), err)
		}
	}
	return c, nil
}
