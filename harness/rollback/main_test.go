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
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
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
	os.Exit(m.Run())
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

// demoService creates a Swarm service of the demo writer, published in
// host mode on port (unpublished when 0), and removes it when the test
// ends.
func demoService(t testing.TB, cli *client.Client, name, image string, port int, interval time.Duration) string {
	t.Helper()
	ctx := context.Background()
	one := uint64(1)
	grace := 2 * time.Second
	labels := testLabels()
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name, Labels: labels},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{
			Image:           image,
			Args:            []string{"-role", "writer", "-listen", ":8080"},
			Labels:          labels,
			StopGracePeriod: &grace,
			Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/demo", "healthcheck", "http://127.0.0.1:8080/healthz"},
				Interval: interval, Timeout: 2 * time.Second, Retries: 30},
		}},
		Mode:           swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &one}},
		UpdateConfig:   &swarm.UpdateConfig{Parallelism: 1, Order: swarm.UpdateOrderStopFirst, FailureAction: swarm.UpdateFailureActionPause},
		RollbackConfig: &swarm.UpdateConfig{Parallelism: 1, Order: swarm.UpdateOrderStopFirst, FailureAction: swarm.UpdateFailureActionPause},
	}
	if port != 0 {
		spec.EndpointSpec = &swarm.EndpointSpec{Ports: []swarm.PortConfig{{Protocol: "tcp", TargetPort: 8080,
			PublishedPort: uint32(port), PublishMode: swarm.PortConfigPublishModeHost}}}
	}
	res, err := cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec})
	if err != nil {
		t.Fatalf("create swarm service %s: %v", name, err)
	}
	t.Cleanup(func() { removeService(t, cli, res.ID) })
	return res.ID
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

// deploy updates services to image, as `docker service update --image`
// does, and waits until each serves that version on its port.
func deploy(t testing.TB, cli *client.Client, image string, ports map[string]int) {
	t.Helper()
	ctx := context.Background()
	for name := range ports {
		svc, err := cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		spec := svc.Service.Spec
		cs := *spec.TaskTemplate.ContainerSpec
		cs.Image = image
		spec.TaskTemplate.ContainerSpec = &cs
		if _, err := cli.ServiceUpdate(ctx, svc.Service.ID, client.ServiceUpdateOptions{Version: svc.Service.Version, Spec: spec}); err != nil {
			t.Fatalf("update swarm service %s to %s: %v", name, image, err)
		}
	}
	for _, port := range ports {
		waitVersion(t, port, imageVersion(image))
	}
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
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		v, err := healthz(port)
		if err == nil && v == version {
			return
		}
		last = fmt.Sprint(v, err)
	}
	t.Fatalf("port %d never served version %s (last: %s)", port, version, last)
}

// healthz returns the version the demo on port reports.
func healthz(port int) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
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

// kvStatus is the status of GET /kv/KEY: 404 on the good demo, 500 on 1.1.0.
func kvStatus(t testing.TB, port int) int {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/kv/absent", port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tasksRun asserts that every running task of a service runs a container of
// image, by image ID, and that there is at least one.
func tasksRun(t testing.TB, cli *client.Client, service, image string) {
	t.Helper()
	ctx := context.Background()
	want, err := cli.ImageInspect(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cli.ServiceInspect(ctx, service, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", svc.Service.ID)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, task := range tasks.Items {
		if task.Status.State != swarm.TaskStateRunning {
			continue
		}
		n++
		c, err := cli.ContainerInspect(ctx, task.Status.ContainerStatus.ContainerID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Container.Image != want.ID {
			t.Errorf("task %s of %s runs %s, want %s (%s)", task.ID, service, c.Container.Image, image, want.ID)
		}
	}
	if n == 0 {
		t.Errorf("%s has no running task", service)
	}
}
