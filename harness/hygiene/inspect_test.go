package hygiene_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/hygiene"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"

	"github.com/postflight/postflight/internal/nettest"
)

const demoImage = "postflight-demo:1.0.0"

// makeContainer creates a demo container with labels (and the run's),
// publishing hostPort on 127.0.0.1 if not 0, started if start, and removes
// it when the test ends.
func makeContainer(t *testing.T, cli *client.Client, runID, name string, hostPort int, start bool, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	all := registrytest.Labels(runID)
	for k, v := range labels {
		all[k] = v
	}
	cfg := &container.Config{Image: demoImage, Cmd: []string{"-role", "writer", "-listen", ":8080"}, Labels: all}
	host := &container.HostConfig{}
	if hostPort != 0 {
		p := network.MustParsePort("8080/tcp")
		cfg.ExposedPorts = network.PortSet{p: {}}
		host.PortBindings = network.PortMap{p: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(hostPort)}}}
	}
	c, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
	if err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := cli.ContainerRemove(context.Background(), c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove container %s: %v", name, err)
		}
	})
	if start {
		if _, err := cli.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
			t.Fatalf("start container %s: %v", name, err)
		}
	}
}

// The Spotify incident: containers left over from an earlier deploy hold
// the stack's ports, and a stray process holds another.
func TestInspectFindsOrphansAndPortsHeldByOthers(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	runID := registrytest.RunID(t)
	project := runID
	strayPort, ownPort, processPort, freeP := nettest.FreePort(t), nettest.FreePort(t), 0, nettest.FreePort(t)

	// A container of an older project holds a port of the stack.
	makeContainer(t, cli, runID, runID+"-stray", strayPort, true, map[string]string{hygiene.LabelComposeProject: project + "-old"})
	// A stopped container, of no project, with the stack's name.
	makeContainer(t, cli, runID, project+"-web-1", 0, false, nil)
	// The stack's own container, publishing its port.
	makeContainer(t, cli, runID, project+"-api-1", ownPort, true, map[string]string{hygiene.LabelComposeProject: project})
	// A process holds a port of the stack.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	processPort = l.Addr().(*net.TCPAddr).Port

	st := hygiene.Stack{
		Ports:    []int{strayPort, ownPort, processPort, freeP},
		Names:    []string{project + "-web", project + "-api"},
		Projects: []string{project},
	}
	r, err := hygiene.Inspect(context.Background(), cli, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Results() {
		t.Logf("%s %s: %s: %s", res.Kind, res.Target, res.Status, res.Reason)
	}

	if r.Orphans.Status != slo.Fail || len(r.Orphans.Containers) != 2 {
		t.Fatalf("orphans: %s, %d containers; want fail with the stray and the stopped one: %s", r.Orphans.Status, len(r.Orphans.Containers), r.Orphans.Reason)
	}
	stray, stopped := r.Orphans.Containers[0], r.Orphans.Containers[1] // by name
	if stray.Name != runID+"-stray" || !strings.Contains(strings.Join(stray.Why, " "), "publishes port "+strconv.Itoa(strayPort)) ||
		!strings.Contains(stray.Owner, "compose project "+project+"-old") {
		t.Errorf("stray: %+v", stray)
	}
	if stopped.Name != project+"-web-1" || stopped.State != "created" || !strings.Contains(strings.Join(stopped.Why, " "), "carries the name "+project+"-web") {
		t.Errorf("stopped: %+v", stopped)
	}
	ports := map[int]hygiene.Port{}
	for _, p := range r.Ports {
		ports[p.Port] = p
	}
	if p := ports[strayPort]; p.Status != slo.Fail || !strings.Contains(p.Reason, runID+"-stray") {
		t.Errorf("port held by the stray container: %s: %s", p.Status, p.Reason)
	}
	if p := ports[ownPort]; p.Status != slo.Pass || p.Free {
		t.Errorf("port held by the stack: %s, free=%v: %s", p.Status, p.Free, p.Reason)
	}
	if p := ports[processPort]; p.Status != slo.Fail || p.Process == nil || p.Process.PID != os.Getpid() {
		t.Errorf("port held by this process: %s, process %+v: %s", p.Status, p.Process, p.Reason)
	}
	if p := ports[freeP]; p.Status != slo.Pass || !p.Free {
		t.Errorf("free port: %s, free=%v: %s", p.Status, p.Free, p.Reason)
	}
	if got := len(r.Results()); got != 5 {
		t.Errorf("%d results, want 5 (orphans and 4 ports)", got)
	}

	// Once the stack knows the other projects, nothing is orphaned.
	st.Projects = append(st.Projects, project+"-old")
	st.Runs = []string{runID}
	known, err := hygiene.Inspect(context.Background(), cli, st)
	if err != nil {
		t.Fatal(err)
	}
	if known.Orphans.Status != slo.Pass {
		t.Errorf("with every owner known: %s: %s", known.Orphans.Status, known.Orphans.Reason)
	}
	for _, p := range known.Ports {
		if p.Port == strayPort && p.Status != slo.Pass {
			t.Errorf("port %d held by a known container: %s: %s", p.Port, p.Status, p.Reason)
		}
	}
}
