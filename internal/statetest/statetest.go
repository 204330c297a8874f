// Package statetest holds the TestMain of test packages that run plans
// through harness.Run: rollback journals and locks go to a state directory
// of the tests' own, removed afterwards.
package statetest

import (
	"os"
	"testing"
)

// Main runs the tests with POSTFLIGHT_STATE_DIR set to a new directory,
// then the after funcs (removing what the package's tests shared).
func Main(m *testing.M, after ...func()) {
	dir, err := os.MkdirTemp("", "postflight-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("POSTFLIGHT_STATE_DIR", dir)
	code := m.Run()
	for _, f := range after {
		f()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}
