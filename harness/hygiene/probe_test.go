package hygiene

import (
	"net"
	"testing"
)

// A port is held wherever something listens on it: on another local
// address, or on IPv6 only. Docker publishes a stack's ports on every
// address, so either makes the stack's start fail.
func TestProbeFindsAPortHeldOnAnyAddress(t *testing.T) {
	for _, tt := range []struct{ network, addr string }{
		{"tcp4", "127.0.0.2:0"},
		{"tcp6", "[::1]:0"},
		{"tcp6", "[::]:0"},
	} {
		t.Run(tt.network+" "+tt.addr, func(t *testing.T) {
			l, err := net.Listen(tt.network, tt.addr)
			if err != nil {
				t.Skipf("this host cannot listen on %s: %v", tt.addr, err)
			}
			defer l.Close()
			port := l.Addr().(*net.TCPAddr).Port
			if held, err := probe(port); err != nil || !held {
				t.Errorf("probe of port %d held on %s: held=%v, err=%v; want held", port, tt.addr, held, err)
			}
		})
	}
}
