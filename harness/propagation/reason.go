package propagation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// The reasons a write or a poll can get no answer. A failing answer's reason
// is its status, as in "status 500".
const (
	// ReasonRefused: nothing listens at the address.
	ReasonRefused = "connection refused"
	// ReasonReset: the connection was reset or closed before a whole
	// response came back.
	ReasonReset = "connection reset"
	// ReasonTimeout: no whole answer in time.
	ReasonTimeout = "timeout"
	// ReasonDNS: the host name did not resolve.
	ReasonDNS = "dns"
	// ReasonOther: any other transport error; the sample keeps the message.
	ReasonOther = "other"
	// ReasonAbsent: a poll answered 2xx without the token.
	ReasonAbsent = "absent"
)

// errAbsent is a 2xx read that does not show the token.
var errAbsent = errors.New("token absent")

// statusError is a response with a status that is not what was asked for.
type statusError struct {
	code    int
	snippet string // the start of the body, for the message
}

func (e *statusError) Error() string {
	if e.snippet == "" {
		return fmt.Sprintf("status %d", e.code)
	}
	return fmt.Sprintf("status %d: %q", e.code, e.snippet)
}

// reasonOf says in a few words why a request failed.
func reasonOf(err error) string {
	var (
		status *statusError
		dns    *net.DNSError
		netErr net.Error
	)
	switch {
	case errors.Is(err, errAbsent):
		return ReasonAbsent
	case errors.As(err, &status):
		return fmt.Sprintf("status %d", status.code)
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ReasonReset
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.As(err, &dns):
		return ReasonDNS
	case errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	}
	return ReasonOther
}
