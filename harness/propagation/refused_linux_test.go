package propagation

import (
	"fmt"
	"strconv"
	"strings"
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
	_, srv := newStore(t, nil)
	s := spec(srv, "lost")
	s.Write.URL = "http://127.0.0.1:" + strconv.Itoa(port) + "/kv/{token}"
	s.Samples, s.Concurrency = 3, 3
	res := run(t, t.Context(), s)
	if res.FailedWrites != 3 || res.WriteErrors[ReasonRefused] != 3 || res.Written != 0 {
		t.Errorf("failed writes %d %v, written %d: want 3 refused", res.FailedWrites, res.WriteErrors, res.Written)
	}
	if res.WritesAnswered != 0 || !strings.Contains(res.WriteExample, "refused") {
		t.Errorf("writes answered %d, example %q: want none answered, refused", res.WritesAnswered, res.WriteExample)
	}
}

func TestRunWritesNothingWhileAReadEndpointIsDown(t *testing.T) {
	t.Parallel()
	port, err := holdPort(t)
	if err != nil {
		t.Fatal(err)
	}
	st, srv := newStore(t, nil)
	s := spec(srv)
	s.Reads = []Request{{URL: "http://127.0.0.1:" + strconv.Itoa(port) + "/kv/{token}"}}
	s.Samples, s.Timeout = 2, 100*time.Millisecond
	res := run(t, t.Context(), s)
	down := res.Endpoints[0]
	if res.Unchecked != 2 || res.Written != 0 || down.Polls == 0 || down.Answered != 0 || down.Misses[ReasonRefused] != down.Polls {
		t.Errorf("unchecked %d, written %d; endpoint: %d polls, %d answered, misses %v: want every poll refused, nothing written",
			res.Unchecked, res.Written, down.Polls, down.Answered, down.Misses)
	}
	if !strings.Contains(res.UncheckedExample, "gave no answer before the write") || !strings.Contains(res.UncheckedExample, "refused") {
		t.Errorf("unchecked example %q", res.UncheckedExample)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.written) != 0 {
		t.Errorf("%d writes made, want none", len(st.written))
	}
}
