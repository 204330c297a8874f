package load

import "testing"

func TestAbortedByUsTellsCancellationFromTimeout(t *testing.T) {
	for msg, want := range map[string]bool{
		`Get "http://127.0.0.1:1/": context canceled`:                                                           true,
		`send after stop: context canceled`:                                                                     true,
		`context canceled (Client.Timeout or context cancellation while reading body)`:                          true,
		`context deadline exceeded (Client.Timeout or context cancellation while reading body)`:                 false,
		`Get "http://127.0.0.1:1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`: false,
	} {
		if got := abortedByUs(msg); got != want {
			t.Errorf("abortedByUs(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestClassifyNamesTheReason(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		msg  string
		want Reason
	}{
		{503, "503 Service Unavailable", "status 503"},
		{404, "404 Not Found", "status 404"},
		{0, `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`, ReasonRefused},
		{0, `Get "http://127.0.0.1:1/": read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer`, ReasonReset},
		{0, `Get "http://127.0.0.1:1/": EOF`, ReasonReset},
		{0, `Get "http://127.0.0.1:1/": unexpected EOF`, ReasonReset},
		{0, `Post "http://127.0.0.1:1/": write: broken pipe`, ReasonReset},
		{0, `Get "http://127.0.0.1:1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, ReasonTimeout},
		{0, `context deadline exceeded (Client.Timeout or context cancellation while reading body)`, ReasonTimeout},
		{0, `Get "http://nope.invalid/": dial tcp: lookup nope.invalid: no such host`, ReasonDNS},
		{0, `Get "https://127.0.0.1:1/": tls: failed to verify certificate: x509: certificate signed by unknown authority`, ReasonTLS},
		{0, `something new`, ReasonOther},
	} {
		if got := classify(tc.code, tc.msg); got != tc.want {
			t.Errorf("classify(%d, %q) = %q, want %q", tc.code, tc.msg, got, tc.want)
		}
	}
}
