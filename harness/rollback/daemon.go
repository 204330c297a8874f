package rollback

import (
	"context"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/daemon"
)

// dockerClient connects to a Docker daemon: host ("unix:///var/run/docker.sock",
// "tcp://manager:2376"), or the one the run's other parts reach when host is
// empty (see daemon.Client).
func dockerClient(host string) (*client.Client, error) {
	return daemon.Client(context.Background(), host)
}
