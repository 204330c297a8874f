package rollback

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// DefaultHealthTimeout bounds the wait for a recreated container to become
// healthy.
const DefaultHealthTimeout = 60 * time.Second

// Compose's container labels.
const (
	composeProject = "com.docker.compose.project"
	composeService = "com.docker.compose.service"
	composeNumber  = "com.docker.compose.container-number"
)

// replacedSuffix names the original container while its replacement starts.
const replacedSuffix = "-postflight-replaced"

// dockerPoll is how often a starting container is looked at.
const dockerPoll = 100 * time.Millisecond

// settle is how long a container without a healthcheck must stay up to
// count as started.
const settle = time.Second

// DockerConfig configures the Docker driver.
type DockerConfig struct {
	// Project is a compose project: its containers carry the
	// com.docker.compose.project label.
	Project string `json:"project,omitempty" yaml:"project"`
	// Labels select containers ("key" or "key=value"), with or without a
	// project.
	Labels []string `json:"labels,omitempty" yaml:"labels"`
	// Services are the compose services whose containers are rolled back.
	// When empty, the request's services; when there are none either,
	// every selected container that runs the new image.
	Services []string `json:"services,omitempty" yaml:"services"`
	// Image is the image to go back to; the request's old image when
	// empty. It must be on the host: the driver does not pull.
	Image string `json:"image,omitempty" yaml:"image"`
	// HealthTimeout bounds the wait for each recreated container to become
	// healthy (or, without a healthcheck, to stay up);
	// DefaultHealthTimeout when zero.
	HealthTimeout time.Duration `json:"health_timeout,omitempty" yaml:"health_timeout"`
	// StopTimeout is how long a container gets to stop before it is
	// killed; the container's own stop timeout when zero.
	StopTimeout time.Duration `json:"stop_timeout,omitempty" yaml:"stop_timeout"`
	// Host is the Docker daemon; the environment's (DOCKER_HOST) when
	// empty.
	Host string `json:"host,omitempty" yaml:"host"`
}

// Docker rolls containers on one Docker host back by recreating each with
// the old image and otherwise the same configuration (see respec), one at
// a time: the original is stopped and renamed NAME-postflight-replaced, the
// new one is created under its name, started and waited for until healthy
// (or, without a healthcheck, up for a second); only then is the original
// removed. When the new one does not come up, it is removed and the
// original is put back and started, and the rollback fails. Only running
// containers are rolled back.
type Docker struct {
	cfg DockerConfig
	cli *client.Client
}

var _ Driver = (*Docker)(nil)

// NewDocker returns the Docker driver. It does not contact the daemon yet.
func NewDocker(cfg DockerConfig) (*Docker, error) {
	if cfg.Project == "" && len(cfg.Labels) == 0 {
		return nil, errors.New("the docker rollback driver needs a compose project or labels to select containers")
	}
	cli, err := dockerClient(cfg.Host)
	if err != nil {
		return nil, err
	}
	return &Docker{cfg: cfg, cli: cli}, nil
}

// Close closes the connection to the daemon.
func (d *Docker) Close() error { return d.cli.Close() }

// Name implements Driver.
func (d *Docker) Name() string { return DriverDocker }

// Config implements Driver.
func (d *Docker) Config() Config {
	cfg := d.cfg
	return Config{Driver: DriverDocker, Docker: &cfg}
}

// Targets implements Driver: the project, or the label selection.
func (d *Docker) Targets(Request) []string {
	if d.cfg.Project != "" {
		return []string{"docker compose project " + d.cfg.Project}
	}
	labels := slices.Sorted(slices.Values(d.cfg.Labels))
	return []string{"docker containers labelled " + strings.Join(labels, ",")}
}

func (d *Docker) selection(req Request) string {
	var parts []string
	if d.cfg.Project != "" {
		parts = append(parts, "compose project "+d.cfg.Project)
	}
	if len(d.cfg.Labels) > 0 {
		parts = append(parts, "labelled "+strings.Join(d.cfg.Labels, ","))
	}
	s := "containers of " + strings.Join(parts, ", ")
	if svcs := d.services(req); len(svcs) > 0 {
		s += " (services " + strings.Join(svcs, ", ") + ")"
	}
	return s
}

func (d *Docker) services(req Request) []string {
	if len(d.cfg.Services) > 0 {
		return d.cfg.Services
	}
	return req.Services
}

func (d *Docker) image(req Request) string {
	if d.cfg.Image != "" {
		return d.cfg.Image
	}
	return req.OldImage
}

// Describe implements Driver.
func (d *Docker) Describe(req Request) string {
	return fmt.Sprintf("recreate the %s with %s and otherwise the same configuration, one at a time, each waited for until healthy",
		d.selection(req), orUnknown(d.image(req)))
}

// Decide implements Driver.
func (d *Docker) Decide(ctx context.Context, req Request) ([]Step, error) {
	to := d.image(req)
	if to == "" {
		return nil, errors.New("no image to go back to: give the old image or the docker driver's image")
	}
	toID, err := imageID(ctx, d.cli, to)
	if cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("old image %s is not on this host (the docker driver does not pull it)", to)
	}
	if err != nil {
		return nil, err
	}
	f := make(client.Filters)
	if d.cfg.Project != "" {
		f.Add("label", composeProject+"="+d.cfg.Project)
	}
	f.Add("label", d.cfg.Labels...)
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list the %s: %w", d.selection(req), err)
	}
	cs := list.Items
	if len(cs) == 0 {
		return nil, fmt.Errorf("no running containers of %s", strings.TrimPrefix(d.selection(req), "containers of "))
	}
	if svcs := d.services(req); len(svcs) > 0 {
		var missing []string
		for _, s := range svcs {
			if !slices.ContainsFunc(cs, func(c container.Summary) bool { return c.Labels[composeService] == s }) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("no running containers of service(s) %s among the %s", strings.Join(missing, ", "), d.selection(req))
		}
		cs = slices.DeleteFunc(cs, func(c container.Summary) bool { return !slices.Contains(svcs, c.Labels[composeService]) })
	} else if req.NewImage != "" {
		newID, _ := imageID(ctx, d.cli, req.NewImage)
		cs = slices.DeleteFunc(cs, func(c container.Summary) bool {
			return c.ImageID != toID && c.ImageID != newID && !sameImage(c.Image, req.NewImage)
		})
		if len(cs) == 0 {
			return nil, fmt.Errorf("none of the %s runs the new image %s", d.selection(req), req.NewImage)
		}
	}
	slices.SortFunc(cs, func(a, b container.Summary) int {
		if c := strings.Compare(a.Labels[composeService], b.Labels[composeService]); c != 0 {
			return c
		}
		na, _ := strconv.Atoi(a.Labels[composeNumber])
		nb, _ := strconv.Atoi(b.Labels[composeNumber])
		if na != nb {
			return na - nb
		}
		return strings.Compare(containerName(a.Names), containerName(b.Names))
	})
	steps := make([]Step, 0, len(cs))
	for _, c := range cs {
		s := Step{Object: containerName(c.Names), Action: ActionRecreate, From: c.Image, To: to, ImageID: toID}
		if c.ImageID == toID {
			s.Action, s.From = ActionNone, to
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// Apply implements Driver. It picks up where an interrupted recreation
// stopped: a replacement that exists is started and waited for, an
// original left renamed is recreated from.
func (d *Docker) Apply(ctx context.Context, req Request, step Step) (Result, error) {
	res := Result{Step: step}
	name := step.Object
	spare := name + replacedSuffix
	cur, err := d.inspect(ctx, name)
	if err != nil {
		return res, err
	}
	orig, err := d.inspect(ctx, spare)
	if err != nil {
		return res, err
	}
	want := step.ImageID
	if want == "" {
		if want, err = imageID(ctx, d.cli, step.To); err != nil {
			return res, err
		}
	}
	switch {
	case cur != nil && cur.Image == want:
		// Already recreated (or never needed it): make sure it runs.
		if err := d.startAndWait(ctx, cur.ID, name); err != nil {
			return res, err
		}
		if orig != nil {
			if err := d.remove(ctx, spare); err != nil {
				return res, err
			}
			res.Note = "recreated with " + step.To
		} else {
			res.Note = "already on " + step.To
		}
		return res, nil
	case cur != nil && orig != nil:
		return res, fmt.Errorf("container %s runs %s and a %s is in the way: remove one of them by hand", name, cur.Config.Image, spare)
	case cur != nil && !sameImage(cur.Config.Image, step.From) && cur.Image != step.From:
		return res, fmt.Errorf("container %s now runs %s: %w", name, cur.Config.Image, ErrSuperseded)
	case cur != nil:
		orig = cur
	case orig == nil:
		return res, fmt.Errorf("container %s is gone: %w", name, ErrSuperseded)
	}
	if err := d.recreate(ctx, *orig, name, step.To); err != nil {
		return res, err
	}
	res.Note = "recreated with " + step.To
	return res, nil
}

// recreate replaces orig (still named name, or already renamed) by a
// container like it with image.
func (d *Docker) recreate(ctx context.Context, orig container.InspectResponse, name, image string) error {
	spare := name + replacedSuffix
	img, err := d.cli.ImageInspect(ctx, orig.Image)
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect the image of container %s: %w", name, err)
	}
	spec := respec(orig, img.Config, image)
	if strings.TrimPrefix(orig.Name, "/") == name {
		if err := d.stop(ctx, orig); err != nil {
			return err
		}
		if _, err := d.cli.ContainerRename(ctx, orig.ID, client.ContainerRenameOptions{NewName: spare}); err != nil {
			return fmt.Errorf("rename container %s to %s: %w", name, spare, err)
		}
	}
	id, err := d.create(ctx, name, spec)
	if err == nil {
		err = d.startAndWait(ctx, id, name)
	}
	if err != nil {
		return d.putBack(ctx, orig.ID, name, id, fmt.Errorf("container %s with %s: %w", name, image, err))
	}
	return d.remove(ctx, spare)
}

// putBack removes a replacement that did not come up and restores the
// original, so the failed rollback leaves the host as it found it.
func (d *Docker) putBack(ctx context.Context, origID, name, newID string, cause error) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if newID != "" {
		if _, err := d.cli.ContainerRemove(ctx, newID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove the new container: %w", err))
		}
	} else if cur, err := d.inspect(ctx, name); err == nil && cur != nil && cur.ID != origID {
		if _, err := d.cli.ContainerRemove(ctx, cur.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove the new container: %w", err))
		}
	}
	if _, err := d.cli.ContainerRename(ctx, origID, client.ContainerRenameOptions{NewName: name}); err != nil {
		errs = append(errs, fmt.Errorf("rename the original back: %w", err))
	} else if _, err := d.cli.ContainerStart(ctx, origID, client.ContainerStartOptions{}); err != nil {
		errs = append(errs, fmt.Errorf("start the original again: %w", err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w; putting the original back failed too: %w", cause, errors.Join(errs...))
	}
	return fmt.Errorf("%w; the original container is back", cause)
}

func (d *Docker) create(ctx context.Context, name string, spec containerSpec) (string, error) {
	opts := client.ContainerCreateOptions{Name: name, Config: spec.config, HostConfig: spec.host}
	if spec.primary != "" {
		opts.NetworkingConfig = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{spec.primary: spec.endpoints[spec.primary]}}
	}
	res, err := d.cli.ContainerCreate(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", name, err)
	}
	for _, n := range slices.Sorted(maps.Keys(spec.endpoints)) {
		if n == spec.primary {
			continue
		}
		if _, err := d.cli.NetworkConnect(ctx, n, client.NetworkConnectOptions{Container: res.ID, EndpointConfig: spec.endpoints[n]}); err != nil {
			return res.ID, fmt.Errorf("connect container %s to network %s: %w", name, n, err)
		}
	}
	return res.ID, nil
}

func (d *Docker) stop(ctx context.Context, c container.InspectResponse) error {
	opts := client.ContainerStopOptions{}
	if d.cfg.StopTimeout > 0 {
		secs := int(d.cfg.StopTimeout.Round(time.Second) / time.Second)
		opts.Timeout = &secs
	}
	if _, err := d.cli.ContainerStop(ctx, c.ID, opts); err != nil {
		return fmt.Errorf("stop container %s: %w", strings.TrimPrefix(c.Name, "/"), err)
	}
	return nil
}

// startAndWait starts a container unless it runs, and waits until it is
// healthy, or up for a while when it has no healthcheck.
func (d *Docker) startAndWait(ctx context.Context, id, name string) error {
	timeout := d.cfg.HealthTimeout
	if timeout <= 0 {
		timeout = DefaultHealthTimeout
	}
	deadline := time.Now().Add(timeout)
	started := false
	for {
		res, err := d.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return fmt.Errorf("inspect container %s: %w", name, err)
		}
		st := res.Container.State
		switch {
		case st.Running && st.Health != nil && st.Health.Status == container.Healthy:
			return nil
		case st.Running && st.Health != nil && st.Health.Status == container.Unhealthy:
			return fmt.Errorf("unhealthy%s", lastHealth(st.Health))
		case st.Running && st.Health == nil:
			if t, err := time.Parse(time.RFC3339Nano, st.StartedAt); err == nil && time.Since(t) >= settle {
				return nil
			}
		case !st.Running && !st.Restarting && !started:
			if _, err := d.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
				return fmt.Errorf("start: %w", err)
			}
			started = true
			continue
		case !st.Running && !st.Restarting:
			return fmt.Errorf("exited with code %d %s", st.ExitCode, st.Error)
		}
		if time.Now().After(deadline) {
			what := "healthy"
			if st.Health == nil {
				what = "up"
			}
			return fmt.Errorf("not %s within %s (state %s%s)", what, timeout, st.Status, lastHealth(st.Health))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for container %s: %w", name, ctx.Err())
		case <-time.After(dockerPoll):
		}
	}
}

func lastHealth(h *container.Health) string {
	if h == nil || len(h.Log) == 0 {
		return ""
	}
	l := h.Log[len(h.Log)-1]
	return fmt.Sprintf(": last healthcheck exit %d: %s", l.ExitCode, strings.TrimSpace(l.Output))
}

func (d *Docker) remove(ctx context.Context, name string) error {
	_, err := d.cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", name, err)
	}
	return nil
}

// inspect returns the container of that name; nil when there is none.
func (d *Docker) inspect(ctx context.Context, name string) (*container.InspectResponse, error) {
	res, err := d.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect container %s: %w", name, err)
	}
	if strings.TrimPrefix(res.Container.Name, "/") != name {
		return nil, nil // matched by ID prefix, not by name
	}
	return &res.Container, nil
}

// Verify implements Driver: every container runs the old image and is
// healthy (or up).
func (d *Docker) Verify(ctx context.Context, req Request, steps []Step) (string, error) {
	var errs []error
	var names []string
	var to, id string
	for _, s := range steps {
		c, err := d.inspect(ctx, s.Object)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		want := s.ImageID
		if want == "" {
			if want, err = imageID(ctx, d.cli, s.To); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		switch {
		case c == nil:
			errs = append(errs, fmt.Errorf("container %s is gone", s.Object))
		case c.Image != want:
			errs = append(errs, fmt.Errorf("container %s runs image %s, not the old image %s (%s)", s.Object, shortID(c.Image), s.To, shortID(want)))
		case !c.State.Running:
			errs = append(errs, fmt.Errorf("container %s is %s", s.Object, c.State.Status))
		case c.State.Health != nil && c.State.Health.Status != container.Healthy:
			errs = append(errs, fmt.Errorf("container %s is %s", s.Object, c.State.Health.Status))
		default:
			names = append(names, s.Object)
			to, id = s.To, want
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%s run %s (%s)", strings.Join(names, ", "), to, shortID(id)), nil
}

func containerName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return strings.TrimPrefix(names[0], "/")
}
