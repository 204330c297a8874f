// Package dockertest holds helpers for tests that use the real Docker daemon.
package dockertest

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
)

// Client connects to the daemon, skipping the test in -short mode. It fails
// (not skips) when one of the images is missing: `make test` builds the demo
// images first.
func Client(t testing.TB, images ...string) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker; skipped in -short mode")
	}
	cli, err := stack.NewDockerClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	for _, img := range images {
		if _, err := cli.ImageInspect(context.Background(), img); err != nil {
			t.Fatalf("image %s: %v (build the demo images with `make images`)", img, err)
		}
	}
	return cli
}

// Labelled names the containers and networks carrying label=value.
func Labelled(t testing.TB, cli *client.Client, label, value string) []string {
	t.Helper()
	res, err := stack.Labelled(context.Background(), cli, label+"="+value)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range res.Containers {
		out = append(out, "container "+c.Name)
	}
	for _, n := range res.Networks {
		out = append(out, "network "+n.Name)
	}
	return out
}

// Swarm makes sure the daemon is a swarm manager, initialising a one-node
// swarm advertised on 127.0.0.1 when it is not. It never leaves the swarm:
// packages test in parallel, and one leaving would pull the swarm out from
// under another. `make test` leaves it after the whole suite when it found
// the daemon outside a swarm, so the daemon ends as it was found.
func Swarm(t testing.TB, cli *client.Client) {
	t.Helper()
	ctx := context.Background()
	state := func() swarm.LocalNodeState {
		info, err := cli.Info(ctx, client.InfoOptions{})
		if err != nil {
			t.Fatalf("docker info: %v", err)
		}
		return info.Info.Swarm.LocalNodeState
	}
	if state() == swarm.LocalNodeStateActive {
		return
	}
	_, err := cli.SwarmInit(ctx, client.SwarmInitOptions{ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1"})
	if err != nil && state() != swarm.LocalNodeStateActive { // another package may have won the race
		t.Fatalf("swarm init: %v", err)
	}
}

// Docker runs the docker command line and returns its output, trimmed;
// the test fails when it fails.
func Docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
