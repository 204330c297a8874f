// Package suites also tells a user's own Ginkgo suite, run by a plan check
// of kind ginkgo, where the stack under test is. postflight builds the suite
// with go test -c and runs it with these variables added to its environment:
//
//	POSTFLIGHT_URL_<SERVICE>         http://HOST:PORT of the service's first port
//	POSTFLIGHT_URL_<SERVICE>_<PORT>  http://HOST:PORT of the service's container port PORT
//	POSTFLIGHT_RUN_ID                the run's id
//	POSTFLIGHT_PHASE                 the phase: check, or verify after a rollback
//	POSTFLIGHT_NEW_IMAGE             the image under test
//
// <SERVICE> is the compose service's name upper-cased, with every character
// other than A-Z and 0-9 written as _: service "kv-writer" port 8080 is
// POSTFLIGHT_URL_KV_WRITER_8080. A suite reads them with URL, URLPort,
// RunID, Phase and NewImage, and can tell with UnderPostflight whether
// postflight runs it at all, to skip its specs under a plain go test:
//
//	var writer string
//	var _ = BeforeSuite(func() {
//		writer = suites.URL("writer")
//		if writer == "" && !suites.UnderPostflight() {
//			Skip("no stack: run by postflight")
//		}
//		Expect(writer).NotTo(BeEmpty(), "POSTFLIGHT_URL_WRITER")
//	})
package suites

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// The environment variables of a user's suite; see the package doc.
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

// URL is the base URL of a service's first port as postflight passed it,
// "" when it did not.
func URL(service string) string { return os.Getenv(URLEnvName(service, 0)) }

// URLPort is the base URL of a service's container port as postflight
// passed it, "" when it did not.
func URLPort(service string, port int) string { return os.Getenv(URLEnvName(service, port)) }

// RunID is the id of the postflight run the suite runs in, "" outside one.
func RunID() string { return os.Getenv(EnvRunID) }

// Phase is the phase the suite runs in (check or verify), "" outside a run.
func Phase() string { return os.Getenv(EnvPhase) }

// NewImage is the image under test, "" outside a run.
func NewImage() string { return os.Getenv(EnvNewImage) }

// UnderPostflight says whether postflight runs the suite: a suite that skips
// itself without a stack should fail instead when this holds and a URL it
// needs is missing.
func UnderPostflight() bool { return RunID() != "" }

// SuiteEnv is what a user's suite is told of the run.
type SuiteEnv struct {
	RunID    string
	Phase    string
	NewImage string
	// Endpoints maps EndpointKey(service, port) to the port's base URL,
	// as ResolveEndpoints returns it; port 0 is the service's first port.
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
