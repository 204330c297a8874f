// Package daemon connects to the Docker daemon, the same way for every part
// of postflight: the replica stack, cleanup, image checks, package diffs and
// rollback drivers all reach the daemon the user named, never another.
package daemon

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/moby/moby/client"
)

// PingTimeout bounds how long a named daemon may take to answer Ping.
const PingTimeout = 10 * time.Second

// Client connects to the Docker daemon at host ("unix:///var/run/docker.sock",
// "tcp://manager:2376"); with host empty, to the one DOCKER_HOST names (with
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else the current Docker context's
// (see init), else the default socket. The API version is negotiated. The
// daemon is not contacted yet: see Ping.
func Client(ctx context.Context, host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to docker at %s: %w", Describe(host), err)
	}
	return c, nil
}

// Ping asks the daemon whether it answers, within PingTimeout. A named
// daemon that does not answer must be an error, never a reason to fall back
// to the default socket: that would measure, and pass or roll back, a daemon
// the user did not name.
func Ping(ctx context.Context, c *client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	_, err := c.Ping(ctx, client.PingOptions{})
	return err
}

// Describe names the daemon Client(ctx, host) reaches, for messages. A
// Docker context's daemon shows as DOCKER_HOST: init put it there.
func Describe(host string) string {
	switch {
	case host != "":
		return host
	case os.Getenv("DOCKER_HOST") != "":
		return "DOCKER_HOST=" + os.Getenv("DOCKER_HOST")
	}
	return "the default socket"
}
