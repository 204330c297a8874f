package provenance_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/provenance"
	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"
)

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestIntendTakesTheHighestVersionOrTheGivenImage(t *testing.T) {
	cli := dockertest.Client(t, demo...)
	reg := registrytest.Start(t)
	digests := map[string]string{}
	for tag, local := range map[string]string{"1.0.0": demo[0], "1.1.0": demo[1], "1.2.0": demo[2], "1.3.0-rc.1": demo[3], "latest": demo[0]} {
		digests[tag] = reg.Push(t, cli, local, "app:"+tag)
	}
	c := registry.New()
	ctx := ctxFor(t)

	in, err := provenance.Intend(ctx, c, provenance.Rule{}, reg.Ref("app:latest"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Reference != reg.Ref("app:1.2.0") || in.Digest != digests["1.2.0"] || len(in.Images) != 1 ||
		in.Images[0].Config != imageID(t, cli, demo[2]) || !strings.Contains(in.How, "pre-releases excluded") {
		t.Errorf("highest version: %+v; want %s = %s, image %s", in, reg.Ref("app:1.2.0"), digests["1.2.0"], imageID(t, cli, demo[2]))
	}
	pre, err := provenance.Intend(ctx, c, provenance.Rule{Prereleases: true}, reg.Ref("app:latest"))
	if err != nil || pre.Reference != reg.Ref("app:1.3.0-rc.1") {
		t.Errorf("with pre-releases: %+v, %v; want 1.3.0-rc.1", pre, err)
	}
	given, err := provenance.Intend(ctx, c, provenance.Rule{Image: reg.Ref("app:1.1.0")}, reg.Ref("app:latest"))
	if err != nil || given.Digest != digests["1.1.0"] || given.How != "given" {
		t.Errorf("given: %+v, %v; want 1.1.0's digest %s", given, err, digests["1.1.0"])
	}
	_, err = provenance.Intend(ctx, c, provenance.Rule{Constraint: ">=3"}, reg.Ref("app:latest"))
	if !errors.Is(err, provenance.ErrNoVersion) {
		t.Errorf("no version within the constraint: err = %v, want ErrNoVersion", err)
	}
	_, err = provenance.Intend(ctx, c, provenance.Rule{}, reg.Ref("nothing:latest"))
	if registry.CauseOf(err) != registry.CauseNotFound {
		t.Errorf("unknown repository: err = %v, want a not-found registry error", err)
	}
}

func TestComposeSaysWhichServiceRunsWhatAndWhatItShouldRun(t *testing.T) {
	cli := dockertest.Client(t, demo...)
	reg := registrytest.Start(t)
	for i, tag := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		reg.Push(t, cli, demo[i], "app:"+tag)
	}
	runID := registrytest.RunID(t)
	project := map[string]string{provenance.LabelComposeProject: runID}
	with := func(service string) map[string]string {
		m := map[string]string{provenance.LabelComposeService: service}
		for k, v := range project {
			m[k] = v
		}
		return m
	}
	runContainer(t, cli, runID, runID+"-web-1", reg.Ref("app:1.2.0"), with("web"))
	runContainer(t, cli, runID, runID+"-web-2", reg.Ref("app:1.2.0"), with("web"))
	runContainer(t, cli, runID, runID+"-api-1", reg.Ref("app:1.0.0"), with("api"))
	runContainer(t, cli, runID, runID+"-old-1", reg.Ref("app:1.0.0"), with("old"))

	c := provenance.New(cli, registry.New(), provenance.WithRules(map[string]provenance.Rule{
		"old": {Image: reg.Ref("app:1.0.0")},
	}))
	services, err := c.Compose(ctxFor(t), runID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]provenance.Service{}
	for _, s := range services {
		got[s.Name] = s
		t.Logf("%s: %s\n  expected: %s\n  observed: %s\n  reason: %s", s.Name, s.Status, s.Expected, s.Observed, s.Reason)
	}
	if len(services) != 3 {
		t.Fatalf("got %d services, want api, old and web", len(services))
	}
	web, api, old := got["web"], got["api"], got["old"]
	if web.Status != slo.Pass || len(web.Instances) != 2 || web.Intended.Reference != reg.Ref("app:1.2.0") {
		t.Errorf("web: %s with %d containers, intended %v; want pass, 2, 1.2.0", web.Status, len(web.Instances), web.Intended)
	}
	if api.Status != slo.Fail || api.Instances[0].ImageID != imageID(t, cli, demo[0]) || api.Intended.Reference != reg.Ref("app:1.2.0") {
		t.Errorf("api: %s, runs %s, intended %v; want fail, running 1.0.0, intended 1.2.0", api.Status, api.Instances[0].ImageID, api.Intended)
	}
	if !strings.Contains(api.Reason, runID+"-api-1") || !strings.Contains(api.Reason, reg.Ref("app:1.2.0")) {
		t.Errorf("api's reason should name the container and what it should run: %s", api.Reason)
	}
	if old.Status != slo.Pass || old.Intended.How != "given" {
		t.Errorf("old (given 1.0.0, runs 1.0.0): %s, %v", old.Status, old.Intended)
	}
	if r := api.Result(); r.Kind != provenance.Kind || r.Status != slo.Fail || r.Expected == "" || r.Observed == "" {
		t.Errorf("result %+v", r)
	}
	if _, err := c.Compose(ctxFor(t), runID+"-none"); !errors.Is(err, provenance.ErrNotFound) {
		t.Errorf("empty project: err = %v, want ErrNotFound", err)
	}
}

// The LightTag incident: a generated stack file deploys myapp:latest; the
// registry holds a newer build as 1.2.0 (and as its latest), but Swarm
// cannot pull (credentials not forwarded) and runs the old build the host
// has under latest.
func TestSwarmReplaysTheStaleLatestIncident(t *testing.T) {
	cli := dockertest.Client(t, demo...)
	const user, password = "lighttag-deploy", "Pa55-lighttag-7e21"
	reg := registrytest.Start(t, registrytest.WithAuth(user, password))
	reg.DockerConfig(t, user, password) // postflight's credentials; Swarm gets none
	runID := registrytest.RunID(t)

	reg.Push(t, cli, demo[0], "myapp:1.0.0")
	reg.Push(t, cli, demo[1], "myapp:1.1.0")
	want := reg.Push(t, cli, demo[2], "myapp:1.2.0")
	reg.Push(t, cli, demo[2], "myapp:latest")
	reg.Push(t, cli, demo[3], "myapp:1.3.0-rc.1")
	latest := reg.Ref("myapp:latest")
	reg.Tag(t, cli, demo[0], latest) // the host's latest: the old build
	stale, newer := imageID(t, cli, demo[0]), imageID(t, cli, demo[2])

	stack := filepath.Join(t.TempDir(), "stack.yaml")
	if err := os.WriteFile(stack, []byte("services:\n  frontend:\n    image: "+latest+"\n  backend:\n    image: "+reg.Ref("myapp:1.2.0")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dockertest.Swarm(t, cli) // shared by the packages' tests; `make test` leaves it
	frontend, backend := runID+"-frontend", runID+"-backend"
	createService(t, cli, runID, frontend, latest)
	createService(t, cli, runID, backend, reg.Ref("myapp:1.2.0"))

	c := provenance.New(cli, registry.New())
	ctx := ctxFor(t)
	services, err := c.Swarm(ctx, frontend, backend)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range services {
		t.Logf("%s: %s\n  expected: %s\n  observed: %s\n  reason: %s", s.Name, s.Status, s.Expected, s.Observed, s.Reason)
	}
	fe, be := services[0], services[1]
	if fe.Status != slo.Fail {
		t.Errorf("frontend: %s, want fail", fe.Status)
	}
	if len(fe.Instances) != 1 || fe.Instances[0].ImageID != stale || fe.Instances[0].Name != frontend+".1" || fe.Instances[0].Task == "" {
		t.Errorf("frontend's task should run the stale build %s: %+v", stale, fe.Instances)
	}
	if fe.Intended == nil || fe.Intended.Reference != reg.Ref("myapp:1.2.0") || fe.Intended.Digest != want || fe.Intended.Images[0].Config != newer {
		t.Errorf("frontend's intended image: %+v; want myapp:1.2.0 = %s (image %s)", fe.Intended, want, newer)
	}
	if fe.MutableTag != "tag latest" || !strings.Contains(fe.Reason, "mutable") {
		t.Errorf("frontend's mutable tag: %q; reason %s", fe.MutableTag, fe.Reason)
	}
	if be.Status != slo.Pass || be.Instances[0].ImageID != newer || be.MutableTag != "" {
		t.Errorf("backend: %s, runs %s; want pass running %s", be.Status, be.Instances[0].ImageID, newer)
	}

	scan, err := provenance.ScanTags(stack)
	if err != nil {
		t.Fatal(err)
	}
	if scan.Status != slo.Fail || len(scan.Flagged()) != 1 || scan.Flagged()[0].Line != 3 || !strings.Contains(scan.Reason, stack+":3:12") {
		t.Errorf("stack file scan: %s, flagged %+v: %s; want fail at line 3", scan.Status, scan.Flagged(), scan.Reason)
	}

	drift, err := c.Drift(ctx, latest)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drift: %s: %s", drift.Status, drift.Reason)
	if drift.Status != slo.Fail || drift.Local != stale || drift.Registry != newer {
		t.Errorf("drift of %s: %s, local %s, registry %s; want fail, %s, %s", latest, drift.Status, drift.Local, drift.Registry, stale, newer)
	}
	if d, err := c.Drift(ctx, reg.Ref("myapp:1.2.0")); err != nil || d.Status != slo.Pass {
		t.Errorf("drift of myapp:1.2.0: %+v, %v; want pass", d, err)
	}
	if d, err := c.Drift(ctx, reg.Ref("myapp:1.1.0-not-here")); err != nil || d.Status != slo.Pass || d.Observed != "not on this host" {
		t.Errorf("drift of a tag the host lacks: %+v, %v; want pass", d, err)
	}

	// The registry goes down: what runs is still reported, the verdict is
	// inconclusive, and the credentials do not show.
	reg.Stop()
	down, err := provenance.New(cli, registry.New()).Swarm(ctx, frontend)
	if err != nil {
		t.Fatal(err)
	}
	if down[0].Status != slo.Inconclusive || down[0].Cause != registry.CauseConnection || !strings.Contains(down[0].Observed, stale[:19]) {
		t.Errorf("registry down: %s (%s), observed %q; want inconclusive, connection, naming %s", down[0].Status, down[0].Cause, down[0].Observed, stale[:19])
	}
	out, _ := json.Marshal([]any{services, down, drift, scan})
	for _, secret := range []string{password, user} {
		if strings.Contains(string(out), secret) {
			t.Errorf("results hold a credential %q", secret)
		}
	}
}
