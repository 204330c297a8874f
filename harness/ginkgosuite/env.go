package ginkgosuite

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The environment variables of a user's suite: see package suites, whose
// helpers read them.
const (
	EnvURLPrefix = "POSTFLIGHT_URL_"
	EnvRunID     = "POSTFLIGHT_RUN_ID"
	EnvPhase     = "POSTFLIGHT_PHASE"
	EnvNewImage  = "POSTFLIGHT_NEW_IMAGE"
)

// URLEnvName is the variable holding the URL of a service's container port;
// port 0 means the service's first port.
func URLEnvName(service string, port int) string {
	var b strings.Builder
	b.WriteString(EnvURLPrefix)
	for _, r := range strings.ToUpper(service) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if port != 0 {
		b.WriteString("_" + strconv.Itoa(port))
	}
	return b.String()
}

// EndpointKey is the key of SuiteEnv.Endpoints for a service's container
// port; port 0 is the service's first port.
func EndpointKey(service string, port int) string { return fmt.Sprintf("%s:%d", service, port) }

// SuiteEnv is what a user's suite is told of the run.
type SuiteEnv struct {
	RunID    string
	Phase    string
	NewImage string
	// Endpoints maps EndpointKey(service, port) to the port's base URL,
	// port 0 is the service's first port.
	Endpoints map[string]string
}

// Environ returns the variables of the package doc, NAME -> value. Two
// endpoints that would share a variable (services "a-b" and "a_b") or a key
// that is not "service:port" are an error: a suite must never read the URL
// of another service than the one it names.
func (e SuiteEnv) Environ() (map[string]string, error) {
	out := map[string]string{}
	for k, v := range map[string]string{EnvRunID: e.RunID, EnvPhase: e.Phase, EnvNewImage: e.NewImage} {
		if v != "" {
			out[k] = v
		}
	}
	keys := make([]string, 0, len(e.Endpoints))
	for k := range e.Endpoints {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	from := map[string]string{}
	for _, k := range keys {
		i := strings.LastIndexByte(k, ':')
		port, err := strconv.Atoi(k[i+1:])
		if i <= 0 || err != nil || port < 0 {
			return nil, fmt.Errorf("suite environment: endpoint %q is not service:port", k)
		}
		name := URLEnvName(k[:i], port)
		if prev, ok := from[name]; ok {
			return nil, fmt.Errorf("suite environment: endpoints %q and %q would both be %s", prev, k, name)
		}
		from[name] = k
		out[name] = e.Endpoints[k]
	}
	return out, nil
}
