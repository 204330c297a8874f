package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Cause says why a registry operation did not complete. Every cause but
// CauseNotFound means the registry could not be asked: the check is
// inconclusive, and the image is not to blame.
type Cause string

// The causes.
const (
	// CauseNotFound: the registry answered that the repository, tag,
	// manifest or blob does not exist.
	CauseNotFound Cause = "not found"
	// CauseAuth: the registry refused the credentials, or there were none
	// and it wants some, or they could not be read.
	CauseAuth Cause = "auth"
	// CauseTimeout: no answer in time.
	CauseTimeout Cause = "timeout"
	// CauseConnection: no connection, or it broke.
	CauseConnection Cause = "connection"
	// CauseRegistry: the registry answered with a server error, asked to
	// slow down, or answered something unexpected.
	CauseRegistry Cause = "registry error"
	// CauseCanceled: the caller gave up (interrupt).
	CauseCanceled Cause = "canceled"
)

// Inconclusive reports whether the cause says nothing about the image.
func (c Cause) Inconclusive() bool { return c != "" && c != CauseNotFound }

// classify names the cause of err, which ended an operation run under ctx.
func classify(ctx context.Context, err error) Cause {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return statusCause(terr.StatusCode)
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled), errors.Is(err, context.Canceled):
		return CauseCanceled
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, errStalled):
		return CauseTimeout
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return CauseTimeout
	}
	var (
		dnsErr     *net.DNSError
		opErr      *net.OpError
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		recordErr  tls.RecordHeaderError
		invalidErr x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.As(err, &dnsErr), errors.As(err, &opErr), errors.As(err, &certErr),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &recordErr),
		errors.As(err, &invalidErr):
		return CauseConnection
	}
	// go-containerregistry joins the errors of its https and http pings
	// without wrapping them: read the message.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "timeout"), strings.Contains(msg, "deadline exceeded"):
		return CauseTimeout
	case strings.Contains(msg, "unauthorized"), strings.Contains(msg, "UNAUTHORIZED"),
		strings.Contains(msg, "DENIED"):
		return CauseAuth
	}
	// Nothing came back from the registry that says otherwise: the request
	// did not get through.
	return CauseConnection
}

// statusCause names the cause of an HTTP error status.
func statusCause(code int) Cause {
	switch {
	case code == http.StatusNotFound:
		return CauseNotFound
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return CauseAuth
	case code == http.StatusRequestTimeout, code == http.StatusGatewayTimeout:
		return CauseTimeout
	default:
		return CauseRegistry
	}
}
