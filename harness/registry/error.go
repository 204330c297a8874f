package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Error is a registry operation that did not complete, with its cause.
// Its text never holds credentials, and it does not wrap the error it was
// made from, which might.
type Error struct {
	// Op says what was being done: "list tags of localhost:5000/app".
	Op    string `json:"op"`
	Cause Cause  `json:"cause"`
	// Status is the HTTP status the registry answered, 0 if none.
	Status int `json:"status,omitempty"`
	// Detail is one line on what happened, credentials redacted.
	Detail string `json:"detail"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Op, e.Cause, e.Detail)
}

// CauseOf is the cause of err if it is (or wraps) an *Error, else "".
func CauseOf(err error) Cause {
	var e *Error
	if errors.As(err, &e) {
		return e.Cause
	}
	return ""
}

// Inconclusive reports whether err is a registry error that says nothing
// about the image: the registry could not be asked.
func Inconclusive(err error) bool { return CauseOf(err).Inconclusive() }

// newError describes err, which ended op on the registry of s.
func (c *Client) newError(op string, s *session, cause Cause, status int, err error) *Error {
	detail := c.redact.error(err)
	if cause == CauseAuth && s != nil {
		detail += "; " + s.authHint()
	}
	if cause == CauseTimeout && c.timeout > 0 && !strings.Contains(detail, c.timeout.String()) {
		detail += fmt.Sprintf("; no answer within %s", c.timeout)
	}
	if status != 0 && detail == "" {
		detail = fmt.Sprintf("status %d %s", status, http.StatusText(status))
	}
	return &Error{Op: op, Cause: cause, Status: status, Detail: detail}
}

// statusOf is the HTTP status of a registry error, 0 if there was none.
func statusOf(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}
