// Package phasetest holds the TestMain of test packages that run plans
// through harness.Run, whose check phases run in a child process of the
// test binary.
package phasetest

import (
	"os"
	"testing"

	"github.com/postflight/postflight/suites"
)

// Main runs a phase when this process was started as one (see
// suites.RunPhaseIfRequested), else the tests, with rollback journals and
// locks in a state directory of their own, removed afterwards.
func Main(m *testing.M) {
	suites.RunPhaseIfRequested()
	dir, err := os.MkdirTemp("", "postflight-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("POSTFLIGHT_STATE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
