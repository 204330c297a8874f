package rollback

import (
	"fmt"

	"github.com/moby/moby/client"
)

// dockerClient connects to a Docker daemon: host ("unix:///var/run/docker.sock",
// "tcp://manager:2376"), or the one the environment names (DOCKER_HOST and
// friends) when host is empty, negotiating the API version.
func dockerClient(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	return c, nil
}
