package rollback

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/internal/nettest"
)

// composeProject is a compose project as `docker compose up` leaves it:
// two replicas of web on a project network, and a db that is not under
// test.
type composeFixture struct {
	project, network, volume, dataDir string
	ports                             map[string]int // container name -> host port
	ids                               map[string]string
}

func newComposeFixture(t *testing.T, cli *client.Client, image string) *composeFixture {
	t.Helper()
	ctx := context.Background()
	f := &composeFixture{project: testID + "-shop", ports: map[string]int{}, ids: map[string]string{}, dataDir: t.TempDir()}
	f.network, f.volume = f.project+"_default", f.project+"_data"
	labels := testLabels()
	t.Cleanup(func() { removeLabelled(t, cli, labels) })
	if _, err := cli.NetworkCreate(ctx, f.network, client.NetworkCreateOptions{Driver: "bridge", Labels: labels}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: f.volume, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	for i, svc := range []string{"web", "web", "db"} {
		n := 1 + i
		if svc == "db" {
			n = 1
		}
		name := fmt.Sprintf("%s-%s-%d", f.project, svc, n)
		port := nettest.FreePort(t)
		l := maps.Clone(labels)
		maps.Copy(l, map[string]string{composeProject: f.project, composeService: svc, composeNumber: strconv.Itoa(n), "app.tier": svc})
		img := image
		if svc == "db" {
			img = demoGood // another service: never rolled back
		}
		cfg := &container.Config{
			Image:  img,
			Cmd:    []string{"-role", "writer", "-listen", ":8080"},
			Env:    []string{"FOO=bar", "SVC=" + svc},
			Labels: l,
			Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/demo", "healthcheck", "http://127.0.0.1:8080/healthz"},
				Interval: 250 * time.Millisecond, Timeout: 2 * time.Second, Retries: 30},
			ExposedPorts: network.PortSet{network.MustParsePort("8080/tcp"): {}},
		}
		host := &container.HostConfig{
			NetworkMode:   container.NetworkMode(f.network),
			PortBindings:  network.PortMap{network.MustParsePort("8080/tcp"): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(port)}}},
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
			Binds:         []string{f.dataDir + ":/config:ro"},
			Mounts:        []mount.Mount{{Type: mount.TypeVolume, Source: f.volume, Target: "/data"}},
		}
		netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{f.network: {Aliases: []string{svc, "shop-" + svc}}}}
		res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host, NetworkingConfig: netCfg})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
			t.Fatal(err)
		}
		f.ports[name], f.ids[name] = port, res.ID
	}
	for name, port := range f.ports {
		want := imageVersion(image)
		if strings.HasSuffix(name, "-db-1") {
			want = "1.0.0"
		}
		waitVersion(t, port, want)
	}
	return f
}

func (f *composeFixture) web() []string {
	return []string{f.project + "-web-1", f.project + "-web-2"}
}

// removeLabelled removes the containers, networks and volumes carrying the
// test's labels.
func removeLabelled(t *testing.T, cli *client.Client, labels map[string]string) {
	ctx := context.Background()
	f := make(client.Filters).Add("label", "io.postflight.run="+labels["io.postflight.run"])
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Error(err)
		return
	}
	for _, c := range cs.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove container %s: %v", c.Names, err)
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err == nil {
		for _, n := range ns.Items {
			if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
				t.Errorf("remove network %s: %v", n.Name, err)
			}
		}
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err == nil {
		for _, v := range vs.Items {
			if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{}); err != nil {
				t.Errorf("remove volume %s: %v", v.Name, err)
			}
		}
	}
}

func TestDockerRecreatesEachContainerWithTheOldImageAndTheSameConfiguration(t *testing.T) {
	cli := testDocker(t)
	ctx := context.Background()
	f := newComposeFixture(t, cli, demoBad)
	before := map[string]container.InspectResponse{}
	for name := range f.ports {
		c, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[name] = c.Container
	}
	d, err := NewDocker(DockerConfig{Project: f.project})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r := &Runner{Driver: d, StateDir: t.TempDir(), Logf: t.Logf}
	req := Request{RunID: "docker", OldImage: demoGood, NewImage: demoBad, Services: []string{"web"}}

	out, err := r.DryRun(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.project + "-web-1, " + f.project + "-web-2 recreated with " + demoGood; out.Action != want {
		t.Errorf("dry run action %q, want %q", out.Action, want)
	}
	for name, c := range before {
		if now, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{}); err != nil || now.Container.ID != c.ID {
			t.Errorf("dry run changed %s", name)
		}
	}

	// One at a time: at every moment one of the replicas answers. Both are
	// asked at the same instant: asked one after the other, a slow answer
	// from the first (up to the probe's timeout, on a loaded machine)
	// lets the driver finish it and stop the second in between, and two
	// moments apart look like one with both down.
	var polls, bothDown atomic.Int32
	var downs []string
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, name := range f.web()[:2] {
				wg.Go(func() { _, errs[i] = healthz(f.ports[name]) })
			}
			wg.Wait()
			polls.Add(1)
			if errs[0] != nil && errs[1] != nil {
				bothDown.Add(1)
				downs = append(downs, fmt.Sprintf("%v; %v", errs[0], errs[1]))
			}
		}
	}()
	out, err = r.RollBack(ctx, req)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.Output)
	}
	if bothDown.Load() > 0 {
		t.Errorf("both replicas were down in %d of %d polls during the rollback: %s", bothDown.Load(), polls.Load(), strings.Join(downs, " | "))
	}
	goodID, err := imageID(ctx, cli, demoGood)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range f.web() {
		was := before[name]
		res, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Container
		if c.ID == was.ID || c.Image != goodID {
			t.Errorf("%s: not recreated with %s (id %s, image %s)", name, demoGood, shortID(c.ID), shortID(c.Image))
		}
		if v, err := healthz(f.ports[name]); err != nil || v != "1.0.0" {
			t.Errorf("%s says %q, %v", name, v, err)
		}
		sameConfig(t, name, was, c)
	}
	if db, err := cli.ContainerInspect(ctx, f.project+"-db-1", client.ContainerInspectOptions{}); err != nil || db.Container.ID != f.ids[f.project+"-db-1"] {
		t.Errorf("the db service, not under test, was touched")
	}
	left, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("name", replacedSuffix)})
	if err != nil || len(left.Items) != 0 {
		t.Errorf("replaced containers left behind: %v, %v", left.Items, err)
	}

	t.Run("twice does no harm", func(t *testing.T) {
		ids := containerIDs(t, cli, f.web())
		out, err := r.RollBack(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if want := f.project + "-web-1, " + f.project + "-web-2 already on " + demoGood; out.Action != want {
			t.Errorf("action %q, want %q", out.Action, want)
		}
		if now := containerIDs(t, cli, f.web()); !slices.Equal(now, ids) {
			t.Errorf("containers recreated again")
		}
	})

	t.Run("an interrupted recreation is picked up", func(t *testing.T) {
		// Forward to the bad image with the driver itself, then stop and
		// rename web-1 as a rollback killed mid-step leaves it.
		fwd, err := NewDocker(DockerConfig{Project: f.project, Services: []string{"web"}, Image: demoBad})
		if err != nil {
			t.Fatal(err)
		}
		defer fwd.Close()
		if _, err := (&Runner{Driver: fwd}).RollBack(ctx, Request{RunID: "forward"}); err != nil {
			t.Fatal(err)
		}
		name := f.web()[0]
		if _, err := cli.ContainerStop(ctx, name, client.ContainerStopOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cli.ContainerRename(ctx, name, client.ContainerRenameOptions{NewName: name + replacedSuffix}); err != nil {
			t.Fatal(err)
		}
		res, err := d.Apply(ctx, req, Step{Object: name, Action: ActionRecreate, From: demoBad, To: demoGood})
		if err != nil {
			t.Fatal(err)
		}
		if res.Note != "recreated with "+demoGood {
			t.Errorf("note %q", res.Note)
		}
		if v, err := healthz(f.ports[name]); err != nil || v != "1.0.0" {
			t.Errorf("%s says %q, %v", name, v, err)
		}
		if _, err := cli.ContainerInspect(ctx, name+replacedSuffix, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
			t.Errorf("the renamed original is still there: %v", err)
		}
	})

	t.Run("a replacement that does not come up is undone", func(t *testing.T) {
		// web-2 still runs the bad image; the old one gets no time at all
		// to become healthy.
		impatient, err := NewDocker(DockerConfig{Project: f.project, HealthTimeout: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		defer impatient.Close()
		name := f.web()[1]
		was := containerIDs(t, cli, []string{name})[0]
		state := t.TempDir()
		_, err = (&Runner{Driver: impatient, StateDir: state}).RollBack(ctx, req)
		if err == nil || !strings.Contains(err.Error(), "the original container is back") {
			t.Fatalf("err %v", err)
		}
		if now := containerIDs(t, cli, []string{name})[0]; now != was {
			t.Errorf("%s was not put back", name)
		}
		waitVersion(t, f.ports[name], "1.1.0")
		if p, _ := Pending(state); len(p) != 1 || p[0].Last.Event != EventFailed {
			t.Errorf("a failed rollback keeps its journal, with the failure: %v", p)
		}
	})

	t.Run("a resumed rollback leaves alone what changed since", func(t *testing.T) {
		// A rollback of web-1 from 1.2.0 to 1.3.0 was decided and
		// interrupted; meanwhile someone put 1.0.0 there.
		name := f.web()[0]
		was := containerIDs(t, cli, []string{name})[0]
		state := t.TempDir()
		dec := Decision{RunID: "stale", Config: d.Config(), Request: req, Targets: d.Targets(req),
			Steps: []Step{{Object: name, Action: ActionRecreate, From: "postflight-demo:1.2.0", To: "postflight-demo:1.3.0"}}}
		j, err := createJournal(state, "stale", Entry{Event: EventDecided, Step: -1, Decision: &dec})
		if err != nil {
			t.Fatal(err)
		}
		j.close()
		outs, err := Resume(ctx, state, ResumeOptions{})
		if err != nil || len(outs) != 1 {
			t.Fatalf("resume: %+v, %v", outs, err)
		}
		if note := outs[0].Steps[0].Note; !strings.HasPrefix(note, "left alone: container "+name+" now runs "+demoGood) {
			t.Errorf("note %q", note)
		}
		if now := containerIDs(t, cli, []string{name})[0]; now != was {
			t.Errorf("%s was recreated", name)
		}
		if p, _ := Pending(state); len(p) != 0 {
			t.Errorf("pending %v", p)
		}
	})
}

func TestDockerBadInput(t *testing.T) {
	testDocker(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		cfg    DockerConfig
		req    Request
		errHas string
	}{
		{"no containers", DockerConfig{Project: testID + "-none"}, Request{OldImage: demoGood},
			"no running containers of compose project " + testID + "-none"},
		{"old image not on the host", DockerConfig{Project: testID + "-none"}, Request{OldImage: "postflight-demo:0.0.1"},
			"old image postflight-demo:0.0.1 is not on this host"},
		{"no old image", DockerConfig{Labels: []string{"io.postflight.run=" + testID}}, Request{},
			"no image to go back to"},
		{"daemon down", DockerConfig{Project: "x", Host: "unix://" + t.TempDir() + "/docker.sock"}, Request{OldImage: demoGood},
			"failed to connect to the docker API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDocker(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Decide(ctx, tt.req); err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("err %v, want it to say %q", err, tt.errHas)
			}
		})
	}
	if _, err := NewDocker(DockerConfig{}); err == nil {
		t.Error("a docker driver that selects nothing was accepted")
	}
}

func containerIDs(t *testing.T, cli *client.Client, names []string) []string {
	t.Helper()
	var ids []string
	for _, n := range names {
		c, err := cli.ContainerInspect(context.Background(), n, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.Container.ID)
	}
	return ids
}

// sameConfig checks that a recreated container kept what the original was
// given.
func sameConfig(t *testing.T, name string, was, now container.InspectResponse) {
	t.Helper()
	if !slices.Equal(now.Config.Env, was.Config.Env) {
		t.Errorf("%s: env %v, was %v", name, now.Config.Env, was.Config.Env)
	}
	if !slices.Equal(now.Config.Cmd, was.Config.Cmd) || !slices.Equal(now.Config.Entrypoint, was.Config.Entrypoint) {
		t.Errorf("%s: command %v %v, was %v %v", name, now.Config.Entrypoint, now.Config.Cmd, was.Config.Entrypoint, was.Config.Cmd)
	}
	if fmt.Sprint(now.Config.Healthcheck) != fmt.Sprint(was.Config.Healthcheck) {
		t.Errorf("%s: healthcheck %+v, was %+v", name, now.Config.Healthcheck, was.Config.Healthcheck)
	}
	// The image's own labels come from the image: the old one's version.
	const imageLabel = "org.opencontainers.image.version"
	if v := now.Config.Labels[imageLabel]; v != "1.0.0" {
		t.Errorf("%s: label %s=%s, want the old image's 1.0.0", name, imageLabel, v)
	}
	nowL, wasL := maps.Clone(now.Config.Labels), maps.Clone(was.Config.Labels)
	delete(nowL, imageLabel)
	delete(wasL, imageLabel)
	if !maps.Equal(nowL, wasL) {
		t.Errorf("%s: labels %v, was %v", name, now.Config.Labels, was.Config.Labels)
	}
	if now.HostConfig.RestartPolicy != was.HostConfig.RestartPolicy {
		t.Errorf("%s: restart policy %v, was %v", name, now.HostConfig.RestartPolicy, was.HostConfig.RestartPolicy)
	}
	if fmt.Sprint(now.HostConfig.PortBindings) != fmt.Sprint(was.HostConfig.PortBindings) {
		t.Errorf("%s: ports %v, was %v", name, now.HostConfig.PortBindings, was.HostConfig.PortBindings)
	}
	if fmt.Sprint(mounts(now)) != fmt.Sprint(mounts(was)) {
		t.Errorf("%s: mounts %v, was %v", name, mounts(now), mounts(was))
	}
	if now.HostConfig.NetworkMode != was.HostConfig.NetworkMode {
		t.Errorf("%s: network mode %s, was %s", name, now.HostConfig.NetworkMode, was.HostConfig.NetworkMode)
	}
	for net, es := range was.NetworkSettings.Networks {
		got, ok := now.NetworkSettings.Networks[net]
		if !ok {
			t.Errorf("%s: not on network %s any more", name, net)
			continue
		}
		if want := aliasesBut(es.Aliases, shortID(was.ID)); !slices.Equal(aliasesBut(got.Aliases, shortID(now.ID)), want) {
			t.Errorf("%s: aliases on %s %v, want %v", name, net, got.Aliases, want)
		}
	}
	if len(now.NetworkSettings.Networks) != len(was.NetworkSettings.Networks) {
		t.Errorf("%s: networks %v, was %v", name, slices.Collect(maps.Keys(now.NetworkSettings.Networks)), slices.Collect(maps.Keys(was.NetworkSettings.Networks)))
	}
}

func mounts(c container.InspectResponse) []string {
	var out []string
	for _, m := range c.Mounts {
		out = append(out, fmt.Sprintf("%s %s:%s rw=%v", m.Type, m.Name+m.Source, m.Destination, m.RW))
	}
	slices.Sort(out)
	return out
}

func aliasesBut(aliases []string, id string) []string {
	out := slices.DeleteFunc(slices.Clone(aliases), func(a string) bool { return a == id })
	slices.Sort(out)
	return out
}
