package hygiene_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/hygiene"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"

	"github.com/postflight/postflight/internal/nettest"
)

// The Spotify incident's second bug: a docker-proxy left running after its
// container is gone keeps the port. The test starts one itself, for a
// container that does not exist.
func TestInspectNamesAnOrphanedDockerProxy(t *testing.T) {
	cli := dockertest.Client(t)
	bin, err := exec.LookPath("docker-proxy")
	if err != nil {
		t.Skipf("no docker-proxy binary beside this Docker (%v)", err)
	}
	port := nettest.FreePort(t)
	proxy := exec.Command(bin, "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", strconv.Itoa(port),
		"-container-ip", "127.0.0.1", "-container-port", "9")
	// As dockerd does: the proxy reports on fd 3 that it listens ("0").
	ready, signal, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer ready.Close()
	proxy.ExtraFiles = []*os.File{signal}
	if err := proxy.Start(); err != nil {
		t.Fatalf("start docker-proxy: %v", err)
	}
	signal.Close()
	t.Cleanup(func() {
		proxy.Process.Kill()
		proxy.Wait()
	})
	ready.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if n, err := ready.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "0") {
		t.Fatalf("docker-proxy did not report listening: %q, %v", buf[:n], err)
	}

	r, err := hygiene.Inspect(context.Background(), cli, hygiene.Stack{Ports: []int{port}})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Ports[0]
	t.Logf("%s: %s", p.Status, p.Reason)
	if p.Status != slo.Fail || p.Process == nil || p.Process.PID != proxy.Process.Pid || !strings.Contains(p.Reason, "orphaned docker-proxy") {
		t.Errorf("port %d: %s, process %+v: %s; want fail naming the orphaned docker-proxy (pid %d)", port, p.Status, p.Process, p.Reason, proxy.Process.Pid)
	}
}
