package rollback

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

// The demo images (make images): 1.0.0 is good, 1.1.0 answers GET /kv
// with 500 and stays healthy.
const (
	demoGood = "postflight-demo:1.0.0"
	demoBad  = "postflight-demo:1.1.0"
)

func TestMain(m *testing.M) {
	if job := os.Getenv(helperEnv); job != "" {
		os.Exit(helperMain(job))
	}
	code := m.Run()
	if err := cluster.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// testID names what one test process creates.
var testID = fmt.Sprintf("pfrb%d", os.Getpid())

// testLabels go on everything the tests create: postflight's own labels,
// with this process as the owner, so that `postflight cleanup` finds what
// a killed test left and leaves a live test's resources alone.
func testLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		stack.LabelManaged: "true",
		stack.LabelRun:     testID,
		stack.LabelOwner:   fmt.Sprintf("%d@%s", os.Getpid(), host),
	}
}

// testDocker connects to the daemon (skipping under -short) and fails
// when the demo images are missing.
func testDocker(t testing.TB) *client.Client {
	t.Helper()
	return dockertest.Client(t, demoGood, demoBad)
}

// needSwarm makes the daemon a one-node swarm manager unless it is one. It
// never leaves the swarm, since packages test in parallel: `make test`
// leaves it after the whole suite when the daemon was not in a swarm.
func needSwarm(t testing.TB, cli *client.Client) {
	t.Helper()
	dockertest.Swarm(t, cli)
}

// removeService removes a service and waits until its containers are gone.
func removeService(t testing.TB, cli *client.Client, id string) {
	ctx := context.Background()
	if _, err := cli.ServiceRemove(ctx, id, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove swarm service %s: %v", id, err)
	}
	f := make(client.Filters).Add("label", "com.docker.swarm.service.id="+id)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err == nil && len(cs.Items) == 0 {
			return
		}
	}
	t.Errorf("containers of swarm service %s still there 30s after it was removed", id)
}

// lastChange says when a service's last update or rollback started, and
// to what: it stays the same as long as nobody changes the service.
func lastChange(t testing.TB, cli *client.Client, name string) string {
	t.Helper()
	svc, err := cli.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := svc.Service
	var started time.Time
	if s.UpdateStatus != nil && s.UpdateStatus.StartedAt != nil {
		started = *s.UpdateStatus.StartedAt
	}
	return fmt.Sprintf("%s (since %s)", serviceImage(s.Spec), started.Format(time.RFC3339Nano))
}

func imageVersion(image string) string { return image[strings.LastIndex(image, ":")+1:] }

// waitVersion waits until the demo on port says it is version.
func waitVersion(t testing.TB, port int, version string) {
	t.Helper()
	waitVersionAt(t, "127.0.0.1", port, version)
}

// waitVersionAt waits until the demo at addr:port says it is version.
func waitVersionAt(t testing.TB, addr string, port int, version string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		v, err := healthzAt(addr, port)
		if err == nil && v == version {
			return
		}
		last = fmt.Sprint(v, err)
	}
	t.Fatalf("%s:%d never served version %s (last: %s)", addr, port, version, last)
}

// healthz returns the version the demo on port reports.
func healthz(port int) (string, error) { return healthzAt("127.0.0.1", port) }

// healthzAt returns the version the demo at addr:port reports.
func healthzAt(addr string, port int) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s:%d/healthz", addr, port))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("healthz: %s: %s", resp.Status, body)
	}
	var h struct{ Version string }
	if err := json.Unmarshal(body, &h); err != nil {
		return "", err
	}
	return h.Version, nil
}
