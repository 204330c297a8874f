// Package stack brings up, resolves and tears down the system under test:
// a replica started from a compose file, or an existing stack given by URLs.
package stack

import (
	"context"

	"github.com/postflight/postflight/harness/result"
)

// Stack is the system under test.
type Stack interface {
	result.Endpoints
	// Up brings the stack up and waits until every service is ready.
	Up(ctx context.Context) error
	// SwapImage replaces the image of the services under test and waits
	// until they are ready again. A replica uses it to take the old version
	// back after a rollback, so verify checks run against it.
	SwapImage(ctx context.Context, image string) error
	// Down removes everything Up created. It is safe to call more than once
	// and after a failed Up.
	Down(ctx context.Context) error
	// String says what the stack is, for reports.
	String() string
}

// StartError is an Up or SwapImage that failed. Blame tells a failure of the
// version under test (its container exited or never became ready) from one
// of the infrastructure (Docker unreachable, image missing), which makes the
// run inconclusive rather than failed.
type StartError struct {
	Service string
	// UnderTest is true when the service runs the image under test and the
	// failure is its own: it exited or never became ready.
	UnderTest bool
	Err       error
}

func (e *StartError) Error() string {
	if e.Service == "" {
		return e.Err.Error()
	}
	return "start service " + e.Service + ": " + e.Err.Error()
}

func (e *StartError) Unwrap() error { return e.Err }
