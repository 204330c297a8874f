package rollback

import (
	"path/filepath"
)

// PlanPath is the one name of a plan file however it was given: absolute,
// cleaned and with symlinks resolved. Locks and journals key on it, so that
// one plan run as `-f .`, `-f rb/postflight.yaml` or by its absolute path,
// from any working directory, is one rollback target, and a resume with a
// plan finds that plan's journals only.
func PlanPath(path string) string {
	if path == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	// The file is gone (or never was): resolve its directory at least.
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// planDir is the directory of a plan's PlanPath.
func planDir(path string) string { return filepath.Dir(PlanPath(path)) }
