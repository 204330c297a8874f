package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	refused := &url.Error{Op: "Get", URL: "http://localhost:1/v2/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want Cause
	}{
		{"401", context.Background(), &transport.Error{StatusCode: 401}, CauseAuth},
		{"403", context.Background(), &transport.Error{StatusCode: 403}, CauseAuth},
		{"404", context.Background(), &transport.Error{StatusCode: 404}, CauseNotFound},
		{"503", context.Background(), &transport.Error{StatusCode: 503}, CauseRegistry},
		{"429", context.Background(), &transport.Error{StatusCode: 429}, CauseRegistry},
		{"504", context.Background(), &transport.Error{StatusCode: 504}, CauseTimeout},
		{"refused", context.Background(), refused, CauseConnection},
		{"stalled", context.Background(), fmt.Errorf("%w for 1s", errStalled), CauseTimeout},
		{"caller canceled", canceled, errors.New("anything"), CauseCanceled},
		{"deadline", context.Background(), fmt.Errorf("get: %w", context.DeadlineExceeded), CauseTimeout},
		{"joined pings", context.Background(), errors.New(`Get "https://x/v2/": net/http: timeout awaiting response headers; Get "http://x/v2/": net/http: timeout awaiting response headers`), CauseTimeout},
		{"unknown transport failure", context.Background(), errors.New("something odd"), CauseConnection},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.ctx, tc.err); got != tc.want {
				t.Errorf("classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
	if CauseNotFound.Inconclusive() || !CauseAuth.Inconclusive() || Cause("").Inconclusive() {
		t.Error("only causes other than not found are inconclusive")
	}
}
