package load

import (
	"fmt"
	"slices"
	"strings"
)

// Reason says why a request failed, in a few words a report can group by.
//
// A request either got an HTTP answer that was wrong (Reason "status 503",
// or what its target's Judge found wrong with it) or got no answer at all
// (one of the transport reasons below): the first means the target answered
// wrong, the second that it could not be measured.
type Reason string

// The reasons a request can get no answer.
const (
	// ReasonRefused: nothing listens at the address (the target is down).
	ReasonRefused Reason = "connection refused"
	// ReasonReset: the connection was reset or closed before a whole response
	// came back (RST, EOF, broken pipe).
	ReasonReset Reason = "connection reset"
	// ReasonTimeout: no whole response within Spec.Timeout.
	ReasonTimeout Reason = "timeout"
	// ReasonDNS: the target's host name did not resolve.
	ReasonDNS Reason = "dns"
	// ReasonTLS: the TLS handshake or certificate check failed.
	ReasonTLS Reason = "tls"
	// ReasonOther: a transport error none of the above describes; see
	// Result.ErrorExamples for the message.
	ReasonOther Reason = "other"
)

// noAnswer are the reasons a request can get no answer.
var noAnswer = []Reason{ReasonRefused, ReasonReset, ReasonTimeout, ReasonDNS, ReasonTLS, ReasonOther}

// ReasonOtherWrong counts wrong answers once maxReasons reasons are
// counted already: a Judge may name a value of the body in its reason, and
// a target that answers a different wrong value each time must not grow
// the counts without bound.
const ReasonOtherWrong Reason = "other wrong answers"

// maxReasons bounds the distinct reasons a Result counts, and
// maxReasonLen the length of each: longer ones are cut.
const (
	maxReasons   = 16
	maxReasonLen = 200
)

// ReasonOffTarget is a redirect to another scheme, host or port than the
// target's, which the default judge does not take for an answer.
const ReasonOffTarget Reason = "redirect off the target"

// StatusReason is the reason of a request answered with a failing status.
func StatusReason(code int) Reason { return Reason(fmt.Sprintf("status %d", code)) }

// Answered says whether requests failing for r got an HTTP answer.
func (r Reason) Answered() bool { return !slices.Contains(noAnswer, r) }

// transportReasons maps fragments of Go's error messages to reasons, most
// specific first. vegeta hands errors back as strings only, so matching the
// message is all there is.
var transportReasons = []struct {
	fragment string
	reason   Reason
}{
	{"connection refused", ReasonRefused},
	{"Client.Timeout", ReasonTimeout},
	{"deadline exceeded", ReasonTimeout},
	{"i/o timeout", ReasonTimeout},
	{"timeout awaiting response headers", ReasonTimeout},
	{"connection reset", ReasonReset},
	{"broken pipe", ReasonReset},
	{"server closed idle connection", ReasonReset},
	{"EOF", ReasonReset}, // also "unexpected EOF"
	{"no such host", ReasonDNS},
	{"tls:", ReasonTLS},
	{"x509:", ReasonTLS},
}

// classify returns the reason of a failed request from what vegeta recorded:
// the status code (0 when no whole response came back) and the error message.
func classify(code uint16, msg string) Reason {
	if code != 0 {
		return StatusReason(int(code))
	}
	for _, tr := range transportReasons {
		if strings.Contains(msg, tr.fragment) {
			return tr.reason
		}
	}
	return ReasonOther
}

// abortedByUs says whether a transport error message is that of a request
// cut short by aborting (see newClient and targeter), rather than a failure
// of the target. Only aborting cancels a request's context: the client's
// timeout ends it with "context deadline exceeded" instead.
func abortedByUs(msg string) bool {
	return strings.Contains(msg, "context canceled")
}
