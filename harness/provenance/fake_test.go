package provenance

import (
	"context"
	"errors"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/slo"
)

// fakeDocker is a swarm manager whose tasks run on other nodes: no
// container of theirs is on this host.
type fakeDocker struct {
	service swarm.Service
	tasks   []swarm.Task
}

func (f *fakeDocker) ContainerList(context.Context, client.ContainerListOptions) (client.ContainerListResult, error) {
	return client.ContainerListResult{}, nil
}

func (f *fakeDocker) ContainerInspect(context.Context, string, client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	return client.ContainerInspectResult{}, cerrdefs.ErrNotFound
}

func (f *fakeDocker) ImageInspect(context.Context, string, ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound
}

func (f *fakeDocker) ServiceInspect(_ context.Context, id string, _ client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	if id != f.service.Spec.Name {
		return client.ServiceInspectResult{}, cerrdefs.ErrNotFound
	}
	return client.ServiceInspectResult{Service: f.service}, nil
}

func (f *fakeDocker) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	return client.TaskListResult{Items: f.tasks}, nil
}

// fakeRegistry has one repository with fixed tags.
type fakeRegistry struct {
	tags     []string
	resolved map[string]*registry.Resolved
}

func (f *fakeRegistry) Tags(context.Context, string) ([]string, error) { return f.tags, nil }

func (f *fakeRegistry) Resolve(_ context.Context, ref string) (*registry.Resolved, error) {
	if r, ok := f.resolved[ref]; ok {
		return r, nil
	}
	return nil, &registry.Error{Op: "resolve " + ref, Cause: registry.CauseNotFound, Detail: "404"}
}

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

func remoteTask(slot int, image string, state swarm.TaskState) swarm.Task {
	return swarm.Task{
		ID: "task" + string(rune('0'+slot)), Slot: slot, NodeID: "node-b",
		Spec:   swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: image}},
		Status: swarm.TaskStatus{State: state, ContainerStatus: &swarm.ContainerStatus{ContainerID: "elsewhere"}},
	}
}

func TestSwarmJudgesTasksOnOtherNodesByTheDigestTheirSpecPins(t *testing.T) {
	const repo = "registry.example/web"
	reg := &fakeRegistry{tags: []string{"1.0.0", "1.1.0"}, resolved: map[string]*registry.Resolved{
		repo + ":1.1.0": {Digest: digest('b'), Images: []registry.Image{{Digest: digest('b'), Config: digest('c')}}},
	}}
	docker := &fakeDocker{
		service: swarm.Service{ID: "svc", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web"},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: repo + ":1.1.0@" + digest('b')}}}},
		tasks: []swarm.Task{
			remoteTask(1, repo+":1.1.0@"+digest('b'), swarm.TaskStateRunning),
			remoteTask(2, repo+":1.0.0@"+digest('a'), swarm.TaskStateRunning),
			remoteTask(3, repo+":1.1.0", swarm.TaskStateRunning),
			remoteTask(4, repo+":1.1.0@"+digest('b'), swarm.TaskStatePreparing),
		},
	}
	services, err := New(docker, reg).Swarm(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	s := services[0]
	want := map[string]slo.Status{"web.1": slo.Pass, "web.2": slo.Fail, "web.3": slo.Inconclusive, "web.4": slo.Inconclusive}
	for _, i := range s.Instances {
		if i.Status != want[i.Name] {
			t.Errorf("%s: %s (%s), want %s", i.Name, i.Status, i.Reason, want[i.Name])
		}
	}
	if s.Status != slo.Fail || !strings.Contains(s.Reason, "web.2") || s.MutableTag != "" {
		t.Errorf("service: %s, mutable %q: %s; want fail naming web.2", s.Status, s.MutableTag, s.Reason)
	}
	if _, err := New(docker, reg).Swarm(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown service: %v, want ErrNotFound", err)
	}
}

func TestServiceIsInconclusiveWhenTheIntendedImageCannotBeResolved(t *testing.T) {
	docker := &fakeDocker{
		service: swarm.Service{ID: "svc", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web"},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "registry.example/web:latest"}}}},
		tasks: []swarm.Task{remoteTask(1, "registry.example/web:latest@"+digest('a'), swarm.TaskStateRunning)},
	}
	for name, reg := range map[string]*fakeRegistry{
		"no version tag":      {tags: []string{"latest", "main"}},
		"version not in repo": {tags: []string{"1.0.0"}},
	} {
		t.Run(name, func(t *testing.T) {
			services, err := New(docker, reg).Swarm(context.Background(), "web")
			if err != nil {
				t.Fatal(err)
			}
			s := services[0]
			if s.Status != slo.Inconclusive || s.Intended != nil || !strings.Contains(s.Observed, "web.1 runs manifest "+short(digest('a'))) {
				t.Errorf("%s, intended %v, observed %q: %s; want inconclusive, still saying what runs", s.Status, s.Intended, s.Observed, s.Reason)
			}
			if s.MutableTag != "tag latest" {
				t.Errorf("mutable tag %q, want tag latest", s.MutableTag)
			}
		})
	}
}
