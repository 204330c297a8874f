// Package dockertest holds helpers for tests that use the real Docker daemon.
package dockertest

import (
	"context"
	"testing"

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
