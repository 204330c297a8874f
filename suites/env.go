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
	"os"

	"github.com/postflight/postflight/harness/ginkgosuite"
)

// The environment variables of a user's suite; see the package doc.
const (
	EnvURLPrefix = ginkgosuite.EnvURLPrefix
	EnvRunID     = ginkgosuite.EnvRunID
	EnvPhase     = ginkgosuite.EnvPhase
	EnvNewImage  = ginkgosuite.EnvNewImage
)

// URLEnvName is the variable holding the URL of a service's container port;
// port 0 means the service's first port.
func URLEnvName(service string, port int) string { return ginkgosuite.URLEnvName(service, port) }

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
