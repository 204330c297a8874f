package stack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadCompose reads a compose file as `docker compose` would, with the
// process environment and then the .env file beside it for interpolation:
// without the .env file the replica would run another configuration than
// the one deployed.
func LoadCompose(ctx context.Context, path string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithName("postflight"),
	)
	if err != nil {
		return nil, fmt.Errorf("read compose file %s: %w", path, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("read compose file %s: %w", path, err)
	}
	return p, nil
}
