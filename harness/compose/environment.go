package compose

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// DotEnvFile is the name of the file beside a compose file that holds
// variables for interpolation.
const DotEnvFile = ".env"

// Environment is what `docker compose` interpolates a compose file in dir
// with: the process environment, and the .env file in dir for what the
// process environment does not set. As with docker compose, a .env file
// that is absent, a directory, or one that cannot even be looked at is no
// error, and COMPOSE_DISABLE_ENV_FILE=true leaves it out. The error is the
// one docker compose gives, for the caller to say what it was reading for.
func Environment(dir string) (types.Mapping, error) {
	env := types.NewMapping(os.Environ())
	dotEnv, err := dotEnvFile(dir)
	if err != nil {
		return nil, err
	}
	if dotEnv == "" {
		return env, nil
	}
	fromFile, err := dotenv.GetEnvFromFile(env, []string{dotEnv})
	if err != nil {
		return nil, err
	}
	return env.Merge(fromFile), nil
}

// dotEnvFile is the absolute path of the .env file in dir that docker
// compose would read, "" if it would read none.
func dotEnvFile(dir string) (string, error) {
	if v, ok := os.LookupEnv("COMPOSE_DISABLE_ENV_FILE"); ok {
		disabled, err := strconv.ParseBool(v)
		if err != nil || disabled {
			return "", err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	path := filepath.Join(abs, DotEnvFile)
	s, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return "", nil
	case os.IsPermission(err):
		logrus.Warnf("cannot access %s, ignoring default env file: %v", path, err)
		return "", nil
	case err != nil:
		return "", err
	case s.IsDir():
		return "", nil
	}
	return path, nil
}
