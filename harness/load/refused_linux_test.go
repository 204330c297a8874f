package load

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// holdPort binds a socket to 127.0.0.1:port (0 for any) without listening,
// so that connections to the port are refused and no other process, such as
// another test's server, can take it in the meantime. It returns the port;
// the socket is closed at the end of t.
func holdPort(t *testing.T, port int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socket: %w", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return 0, fmt.Errorf("set SO_REUSEADDR: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, fmt.Errorf("bind 127.0.0.1:%d: %w", port, err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0, fmt.Errorf("getsockname: %w", err)
	}
	return sa.(*syscall.SockaddrInet4).Port, nil
}

func TestRunClassifiesATargetClosedMidRunAsRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := int(netip.MustParseAddrPort(srv.Listener.Addr().String()).Port())
	time.AfterFunc(500*time.Millisecond, func() {
		srv.Close()
		if _, err := holdPort(t, port); err != nil {
			t.Errorf("hold the closed server's port: %v", err)
		}
	})

	res := run(t, t.Context(), Spec{Rate: 50, Duration: 1500 * time.Millisecond, Targets: []Target{{URL: srv.URL}}}, nil)
	if res.Successes == 0 || res.Answered != res.Successes {
		t.Errorf("successes = %d, answered = %d, want some successes before the close, and only those",
			res.Successes, res.Answered)
	}
	if res.Errors[ReasonRefused] < 45 {
		t.Errorf("refused = %d, want the last second's 50 (errors %v, e.g. %v)",
			res.Errors[ReasonRefused], res.Errors, res.ErrorExamples)
	}
}

func TestRunReportsNoAnswerFromATargetThatIsDown(t *testing.T) {
	t.Parallel()
	port, err := holdPort(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	res := run(t, t.Context(), Spec{Rate: 50, Duration: 300 * time.Millisecond, Targets: []Target{{URL: "http://" + addr}}}, nil)
	if res.Requests == 0 || res.Answered != 0 || res.Errors[ReasonRefused] != res.Requests {
		t.Errorf("requests = %d, answered = %d, errors = %v: want every request refused, none answered",
			res.Requests, res.Answered, res.Errors)
	}
	if ReasonRefused.Answered() {
		t.Error("ReasonRefused.Answered() = true")
	}
}
