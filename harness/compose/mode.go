package compose

import (
	"errors"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/utils"
)

// Mode says what a compose file is read for, and so how strictly.
type Mode int

const (
	// ForValidation reads only what a plan is checked against, service
	// names and ports, and reads it leniently where deployment would be
	// strict: variables come from the process environment alone and an
	// unset one is empty, even when the file marks it required (${X:?});
	// env_file entries are not read, paths are not resolved and references
	// between services are not checked. A plan can then be validated
	// without the secrets of the deployment.
	ForValidation Mode = iota
	// ForRunning reads the file as `docker compose` does before it starts
	// anything: the process environment and then the .env file beside the
	// compose file for interpolation, an unset required variable an error,
	// env_file entries read, references checked. A replica read any other
	// way would run another configuration than the one deployed.
	ForRunning
)

// loadOptions are the loader settings of the mode; env is the environment
// the file is interpolated with.
func (m Mode) loadOptions(env map[string]string) func(*loader.Options) {
	return func(o *loader.Options) {
		o.SetProjectName(projectName, true)
		switch m {
		case ForValidation:
			o.SkipConsistencyCheck = true
			o.SkipResolveEnvironment = true
			o.ResolvePaths = false
			o.Interpolate.Substitute = substituteLeniently
		case ForRunning:
			if o.ResolvePaths {
				o.ConvertWindowsPaths = utils.StringToBool(env["COMPOSE_CONVERT_WINDOWS_PATHS"])
			}
		}
	}
}

// substituteLeniently interpolates like compose does, without logging unset
// variables and with an unset required variable read as empty.
func substituteLeniently(s string, m template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, m,
		template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			v, err := template.DefaultReplacementFunc(sub, m, cfg)
			var missing *template.MissingRequiredError
			if errors.As(err, &missing) {
				return "", nil
			}
			return v, err
		}))
}
