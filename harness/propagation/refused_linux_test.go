package propagation

import (
	"fmt"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// holdPort binds a socket to 127.0.0.1 without listening, so that
// connections to the port are refused and no other process can take it. It
// returns the port; the socket is closed at the end of t.
func holdPort(t *testing.T) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socket: %w", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, fmt.Errorf("bind 127.0.0.1:0: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0, fmt.Errorf("getsockname: %w", err)
	}
	return sa.(*syscall.SockaddrInet4).Port, nil
}

func TestRunNamesWritesRefusedAsSuch(t *testing.T) {
	t.Parallel()
	port, err := holdPort(t)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	res := run(t, t.Context(), Spec{
		Write:   Request{Method: http.MethodPut, URL: base + "/kv/{token}"},
		Reads:   []Request{{URL: base + "/kv/{token}"}},
		Samples: 3, Concurrency: 3, Interval: time.Millisecond, Timeout: time.Second,
	})
	if res.FailedWrites != 3 || res.WriteErrors[ReasonRefused] != 3 || res.Written != 0 {
		t.Errorf("failed writes %d %v, written %d: want 3 refused", res.FailedWrites, res.WriteErrors, res.Written)
	}
	t.Log(res.Samples[0].WriteError)
}

func TestRunCountsPollsOfAnEndpointThatIsDownAsUnanswered(t *testing.T) {
	t.Parallel()
	port, err := holdPort(t)
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newStore(t, nil)
	s := spec(srv)
	s.Reads = []Request{{URL: "http://127.0.0.1:" + strconv.Itoa(port) + "/kv/{token}"}}
	s.Samples, s.Timeout = 2, 100*time.Millisecond
	res := run(t, t.Context(), s)
	down := res.Endpoints[0]
	if res.TimedOut != 2 || down.Polls == 0 || down.Answered != 0 || down.Misses[ReasonRefused] != down.Polls {
		t.Errorf("timed out %d; endpoint: %d polls, %d answered, misses %v: want every poll refused",
			res.TimedOut, down.Polls, down.Answered, down.Misses)
	}
}
