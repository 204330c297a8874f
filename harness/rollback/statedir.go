package rollback

import (
	"errors"
	"os"
	"path/filepath"
)

// StateDirEnv names the environment variable that overrides the default
// state directory.
const StateDirEnv = "POSTFLIGHT_STATE_DIR"

// DefaultStateDir is where rollbacks keep their journals and locks:
// $POSTFLIGHT_STATE_DIR, else $XDG_STATE_HOME/postflight, else
// ~/.local/state/postflight. Runs that roll back the same target must share
// it; on a CI runner, keep it out of the workspace that is wiped between
// jobs.
func DefaultStateDir() (string, error) {
	if d := os.Getenv(StateDirEnv); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "postflight"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no state directory: set " + StateDirEnv + " (no home directory: " + err.Error() + ")")
	}
	return filepath.Join(home, ".local", "state", "postflight"), nil
}
