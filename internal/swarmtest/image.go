package swarmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/moby/moby/client"
)

// ErrNoNodeImage says the node image is missing and could not be built:
// tests skip rather than fail (the reason is in the wrapping error).
var ErrNoNodeImage = errors.New("the multi-node Swarm's node image cannot be built")

// buildScript is the script that builds (and names) the node image.
func buildScript() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures", "swarm", "build-node-image.sh")
}

var nodeImageOnce struct {
	sync.Once
	name string
	err  error
}

// NodeImage is the node image's name, building the image when it is
// missing (about 3 minutes on a fresh machine; `make deps` builds it
// beforehand). Errors wrap ErrNoNodeImage when it cannot be built.
func NodeImage(ctx context.Context, cli *client.Client) (string, error) {
	o := &nodeImageOnce
	o.Do(func() { o.name, o.err = nodeImage(ctx, cli) })
	return o.name, o.err
}

func nodeImage(ctx context.Context, cli *client.Client) (string, error) {
	script := buildScript()
	out, err := exec.CommandContext(ctx, script, "--name").Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s --name: %v", ErrNoNodeImage, script, err)
	}
	name := strings.TrimSpace(string(out))
	if _, err := cli.ImageInspect(ctx, name); err == nil {
		return name, nil
	}
	fmt.Fprintf(os.Stderr, "swarmtest: building the node image %s (about 3 minutes on a fresh machine)\n", name)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, script)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s: %v: %s", ErrNoNodeImage, script, err, lastLine(stderr.String()))
	}
	if _, err := cli.ImageInspect(ctx, name); err != nil {
		return "", fmt.Errorf("%w: %s ran but %s is missing: %v", ErrNoNodeImage, script, name, err)
	}
	return name, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
