package provenance_test

import (
	"context"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/registry/registrytest"
)

// The demo images: four builds of one service.
var demo = []string{"postflight-demo:1.0.0", "postflight-demo:1.1.0", "postflight-demo:1.2.0", "postflight-demo:1.3.0"}

// demoArgs start the demo service, which then keeps running.
var demoArgs = []string{"-role", "writer", "-listen", ":8080"}

// imageID is the local ID of an image.
func imageID(t *testing.T, cli *client.Client, ref string) string {
	t.Helper()
	img, err := cli.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	return img.ID
}

// runContainer starts a container of image with labels (and the run's),
// and removes it when the test ends.
func runContainer(t *testing.T, cli *client.Client, runID, name, image string, labels map[string]string) string {
	t.Helper()
	ctx := context.Background()
	all := registrytest.Labels(runID)
	for k, v := range labels {
		all[k] = v
	}
	c, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:   name,
		Config: &container.Config{Image: image, Cmd: demoArgs, Labels: all},
	})
	if err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := cli.ContainerRemove(context.Background(), c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove container %s: %v", name, err)
		}
	})
	if _, err := cli.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start container %s: %v", name, err)
	}
	return c.ID
}

// createService starts a one-replica Swarm service of image, without
// registry credentials and without resolving the tag to a digest (as a
// deploy whose credentials are not forwarded), waits for its task to run,
// and removes it when the test ends.
func createService(t *testing.T, cli *client.Client, runID, name, image string) {
	t.Helper()
	ctx := context.Background()
	one := uint64(1)
	res, err := cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name, Labels: registrytest.Labels(runID)},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: image, Args: demoArgs, Labels: registrytest.Labels(runID)},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &one}},
	}})
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	t.Cleanup(func() { removeService(t, cli, res.ID) })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		tasks, err := cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", res.ID)})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks.Items {
			switch task.Status.State {
			case swarm.TaskStateRunning:
				return
			case swarm.TaskStateFailed, swarm.TaskStateRejected:
				t.Fatalf("service %s: task %s: %s %s", name, task.Status.State, task.Status.Message, task.Status.Err)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("service %s: no task running after 60s", name)
}

// removeService removes a service and waits until its containers are gone.
func removeService(t *testing.T, cli *client.Client, id string) {
	ctx := context.Background()
	if _, err := cli.ServiceRemove(ctx, id, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove service %s: %v", id, err)
		return
	}
	f := make(client.Filters).Add("label", "com.docker.swarm.service.id="+id)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err == nil && len(list.Items) == 0 {
			return
		}
	}
	t.Errorf("containers of service %s still there after 30s", id)
}
