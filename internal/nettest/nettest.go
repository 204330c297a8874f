// Package nettest holds network helpers for tests.
package nettest

import (
	"fmt"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// RefusedURL returns http://127.0.0.1:PORT/ for a port that refuses
// connections for the rest of the test. The port is bound without listening,
// so no other process can take it meanwhile, as can happen to a port that a
// test merely closed.
func RefusedURL(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind 127.0.0.1:0: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}

// Hold returns d after from, to within a few microseconds: time.Sleep alone
// oversleeps by up to half a millisecond, which is 2.5% of a 20ms latency.
func Hold(from time.Time, d time.Duration) {
	time.Sleep(d - 2*time.Millisecond)
	for time.Since(from) < d {
		runtime.Gosched()
	}
}

// FreePort returns a loopback port nothing listens on right now, for a
// server the test is about to start there.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SilentAddr returns 127.0.0.1:PORT of a listener that accepts connections
// and never answers on them: the server that hangs, which no timeout of
// the client's own can be told from. Listener and connections close when
// the test ends.
func SilentAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- c: // held open, never answered
			default:
				c.Close()
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// ResetURL returns http://127.0.0.1:PORT for a listener that resets every
// connection as soon as it is accepted (SO_LINGER 0, then close), for the
// rest of the test.
func ResetURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	return "http://" + l.Addr().String()
}
