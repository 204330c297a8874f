// Package compose reads compose files, in one of two modes: leniently for
// validating a plan against the file's services, and as `docker compose`
// does for running them.
package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// projectName is the project name given to the loader, so that it need not
// guess one from a directory name or the environment.
const projectName = "postflight"

// Load reads the compose file at path in the given mode (see Mode).
//
// For running, the error says the file was being read. For validation it
// is the loader's own, and a file that does not exist is fs.ErrNotExist:
// the plan's validator names the file in its own words.
func Load(ctx context.Context, path string, mode Mode) (*types.Project, error) {
	if mode == ForValidation {
		return loadForValidation(ctx, path)
	}
	p, err := loadForRunning(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("read compose file %s: %w", path, err)
	}
	return p, nil
}

func loadForValidation(ctx context.Context, path string) (*types.Project, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	env := types.NewMapping(os.Environ())
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: path, Content: data}},
		Environment: env,
	}
	return loader.LoadWithContext(ctx, details, ForValidation.loadOptions(env))
}

func loadForRunning(ctx context.Context, path string) (*types.Project, error) {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	env, err := Environment(dir)
	if err != nil {
		return nil, err
	}
	details, err := loader.LoadConfigFiles(ctx, []string{path}, dir, func(o *loader.Options) { o.SetWorkingDirExplicit(true) })
	if err != nil {
		return nil, err
	}
	for i, f := range details.ConfigFiles {
		if details.ConfigFiles[i].Content, err = readConfigFile(f.Filename); err != nil {
			return nil, err
		}
	}
	details.Environment = env
	p, err := loader.LoadWithContext(ctx, *details, ForRunning.loadOptions(env))
	if err != nil {
		return nil, err
	}
	for _, f := range details.ConfigFiles {
		p.ComposeFiles = append(p.ComposeFiles, f.Filename)
	}
	return p, nil
}

// readConfigFile reads one compose file, with the error docker compose
// gives for it.
func readConfigFile(name string) ([]byte, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		if fi, statErr := os.Stat(abs); statErr == nil && fi.IsDir() {
			err = fmt.Errorf("%s is a directory", abs)
		}
		return nil, fmt.Errorf("compose file %q is invalid: %w", name, err)
	}
	return data, nil
}
