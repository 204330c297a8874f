package rollback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// DefaultSwarmTimeout bounds the wait for one Swarm service to converge.
const DefaultSwarmTimeout = 2 * time.Minute

// swarmPoll is how often convergence is checked.
const swarmPoll = 100 * time.Millisecond

// stackLabel is the label `docker stack deploy` puts on a stack's services.
const stackLabel = "com.docker.stack.namespace"

// SwarmConfig configures the Swarm driver.
type SwarmConfig struct {
	// Services are the Swarm services rolled back together; with Stack,
	// their names within the stack ("web" for "shop_web"). When empty and
	// there is no Stack, the request's services.
	Services []string `json:"services,omitempty" yaml:"services"`
	// Stack is a `docker stack` namespace. With no services named, every
	// service of the stack that runs the new image is rolled back.
	Stack string `json:"stack,omitempty" yaml:"stack"`
	// Image, when set, is the image every service goes back to; only the
	// image changes. When empty, each service goes back to its whole
	// previous spec (what `docker service rollback` does: environment,
	// ports and all), which must run the request's old image when one is
	// given.
	Image string `json:"image,omitempty" yaml:"image"`
	// Timeout bounds the wait for each service to converge;
	// DefaultSwarmTimeout when zero.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout"`
	// Host is the Docker daemon of a Swarm manager; the environment's
	// (DOCKER_HOST) when empty.
	Host string `json:"host,omitempty" yaml:"host"`
	// Nodes are the Docker daemons of other nodes of the swarm, by node
	// hostname or ID ("worker1": "ssh://deploy@worker1"). Verification
	// reads the container of a task on such a node there. A task on a
	// node not named, whose image is not pinned by digest, cannot be
	// verified: the manager does not know which image a tag names on it.
	Nodes map[string]string `json:"nodes,omitempty" yaml:"nodes"`
}

// Swarm rolls Swarm services back: to their previous spec, or to an
// explicit image. The services of one rollback go together: every rollback
// is started before the driver waits for any. A service has converged when
// as many tasks as it wants run the old image and no task of another image
// runs; verification then reads every running task's container and holds
// its image ID to the old image's.
//
// What is rolled back, per service, when no image is configured:
//   - a service that already runs the request's old image, or whose last
//     change was a rollback (Swarm's update status), is left as it is;
//   - a service that runs something else than the request's new image is
//     an error: postflight does not roll back a version it did not test;
//   - a service without a previous spec is an error;
//   - a previous spec that does not run the request's old image is an
//     error.
//
// Verification holds every running task, on every node, to the old image:
// see verifyTask.
type Swarm struct {
	cfg SwarmConfig
	cli *client.Client
}

var (
	_ Driver  = (*Swarm)(nil)
	_ Starter = (*Swarm)(nil)
)

// NewSwarm returns the Swarm driver. It does not contact the daemon yet.
func NewSwarm(cfg SwarmConfig) (*Swarm, error) {
	cli, err := dockerClient(cfg.Host)
	if err != nil {
		return nil, err
	}
	return &Swarm{cfg: cfg, cli: cli}, nil
}

// Close closes the connection to the daemon.
func (s *Swarm) Close() error { return s.cli.Close() }

// Name implements Driver.
func (s *Swarm) Name() string { return DriverSwarm }

// Config implements Driver.
func (s *Swarm) Config() Config {
	cfg := s.cfg
	return Config{Driver: DriverSwarm, Swarm: &cfg}
}

// names are the services' full names; none for "every service of the
// stack".
func (s *Swarm) names(req Request) []string {
	names := s.cfg.Services
	if len(names) == 0 && s.cfg.Stack == "" {
		names = req.Services
	}
	out := make([]string, len(names))
	for i, n := range names {
		if s.cfg.Stack != "" {
			n = s.cfg.Stack + "_" + n
		}
		out[i] = n
	}
	return out
}

// Targets implements Driver: one lock per service, or the stack.
func (s *Swarm) Targets(req Request) []string {
	names := s.names(req)
	if len(names) == 0 {
		return []string{"swarm stack " + s.cfg.Stack}
	}
	var out []string
	for _, n := range names {
		out = append(out, "swarm service "+n)
	}
	if s.cfg.Stack != "" {
		out = append(out, "swarm stack "+s.cfg.Stack)
	}
	return out
}

// Describe implements Driver.
func (s *Swarm) Describe(req Request) string {
	what := "swarm services " + strings.Join(s.names(req), ", ")
	if len(s.names(req)) == 0 {
		what = fmt.Sprintf("the services of swarm stack %s that run %s", s.cfg.Stack, orUnknown(req.NewImage))
	}
	to := "their previous spec"
	if s.cfg.Image != "" {
		to = s.cfg.Image
	} else if req.OldImage != "" {
		to = "their previous spec (" + req.OldImage + ")"
	}
	return fmt.Sprintf("roll %s back to %s together, wait until they converge, and confirm every task runs the old image digest", what, to)
}

// Decide implements Driver.
func (s *Swarm) Decide(ctx context.Context, req Request) ([]Step, error) {
	names := s.names(req)
	stackWide := len(names) == 0
	if stackWide && s.cfg.Stack == "" {
		return nil, errors.New("no swarm services to roll back: name them in the swarm driver's services")
	}
	var services []swarm.Service
	if stackWide {
		res, err := s.cli.ServiceList(ctx, client.ServiceListOptions{Filters: make(client.Filters).Add("label", stackLabel+"="+s.cfg.Stack)})
		if err != nil {
			return nil, fmt.Errorf("list services of swarm stack %s: %w", s.cfg.Stack, err)
		}
		if len(res.Items) == 0 {
			return nil, fmt.Errorf("swarm stack %s has no services", s.cfg.Stack)
		}
		services = res.Items
		slices.SortFunc(services, func(a, b swarm.Service) int { return strings.Compare(a.Spec.Name, b.Spec.Name) })
	} else {
		var errs []error
		for _, n := range names {
			svc, err := s.inspect(ctx, n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			services = append(services, svc)
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	var steps []Step
	var errs []error
	for _, svc := range services {
		step, err := s.decide(req, svc)
		var nt *notUnderTestError
		if stackWide && errors.As(err, &nt) {
			continue // another service of the stack
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if id, err := imageID(ctx, s.cli, step.To); err == nil {
			step.ImageID = id
		}
		steps = append(steps, step)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("no service of swarm stack %s runs the new image %s", s.cfg.Stack, req.NewImage)
	}
	return steps, nil
}

// notUnderTestError: a service runs another image than the one under test.
type notUnderTestError struct {
	service, image, newImage string
}

func (e *notUnderTestError) Error() string {
	return fmt.Sprintf("swarm service %s runs %s, not the new image %s: not rolling back a version postflight did not test (set the swarm driver's image to roll back to an explicit image)",
		e.service, e.image, e.newImage)
}

// decide picks one service's step (see Swarm).
func (s *Swarm) decide(req Request, svc swarm.Service) (Step, error) {
	name := svc.Spec.Name
	cur := serviceImage(svc.Spec)
	if s.cfg.Image != "" {
		if sameImage(cur, s.cfg.Image) {
			return Step{Object: name, Action: ActionNone, From: cur, To: cur}, nil
		}
		return Step{Object: name, Action: ActionImage, From: cur, To: s.cfg.Image}, nil
	}
	if req.OldImage != "" && sameImage(cur, req.OldImage) {
		return Step{Object: name, Action: ActionNone, From: cur, To: cur}, nil
	}
	if rolledBack(svc) && (req.NewImage == "" || !sameImage(cur, req.NewImage)) {
		return Step{Object: name, Action: ActionNone, From: cur, To: cur}, nil
	}
	if req.NewImage != "" && !sameImage(cur, req.NewImage) {
		return Step{}, &notUnderTestError{service: name, image: cur, newImage: req.NewImage}
	}
	if svc.PreviousSpec == nil {
		return Step{}, fmt.Errorf("swarm service %s has no previous spec to roll back to (it was never updated); set the swarm driver's image to roll back to an explicit image", name)
	}
	prev := serviceImage(*svc.PreviousSpec)
	if req.OldImage != "" && !sameImage(prev, req.OldImage) {
		return Step{}, fmt.Errorf("the previous spec of swarm service %s runs %s, not the old image %s; set the swarm driver's image to roll back to an explicit image", name, prev, req.OldImage)
	}
	return Step{Object: name, Action: ActionPreviousSpec, From: cur, To: prev}, nil
}

// rolledBack says the service's last change was a rollback.
func rolledBack(svc swarm.Service) bool {
	if svc.UpdateStatus == nil {
		return false
	}
	switch svc.UpdateStatus.State {
	case swarm.UpdateStateRollbackStarted, swarm.UpdateStateRollbackCompleted, swarm.UpdateStateRollbackPaused:
		return true
	}
	return false
}

// Start implements Starter: it asks Swarm for the step's rollback, unless
// the service already runs the step's image.
func (s *Swarm) Start(ctx context.Context, req Request, step Step) error {
	for attempt := 0; ; attempt++ {
		svc, err := s.inspect(ctx, step.Object)
		if err != nil {
			return err
		}
		cur := serviceImage(svc.Spec)
		switch {
		case sameImage(cur, step.To):
			return nil
		case !sameImage(cur, step.From):
			return fmt.Errorf("swarm service %s now runs %s: %w", step.Object, cur, ErrSuperseded)
		}
		opts := client.ServiceUpdateOptions{Version: svc.Version, Spec: svc.Spec}
		if prev := svc.PreviousSpec; step.Action == ActionPreviousSpec && prev != nil && sameImage(serviceImage(*prev), step.To) {
			opts.Rollback = "previous"
		} else {
			cs := *svc.Spec.TaskTemplate.ContainerSpec
			cs.Image = step.To
			opts.Spec.TaskTemplate.ContainerSpec = &cs
			// As `docker service update --image` does: the manager pins
			// the image to the registry's digest when it reaches the
			// registry (else it stays a tag, with a warning), so every
			// node runs that very image, and its tasks can be verified
			// through the manager (see verifyTask).
			opts.QueryRegistry = true
		}
		_, err = s.cli.ServiceUpdate(ctx, svc.ID, opts)
		if err != nil && strings.Contains(err.Error(), "out of sequence") && attempt < 5 {
			continue // changed between inspect and update: look again
		}
		if err != nil {
			return fmt.Errorf("update swarm service %s: %w", step.Object, err)
		}
		return nil
	}
}

// Apply implements Driver: it starts the step (unless started) and waits
// until the service converged on the step's image.
func (s *Swarm) Apply(ctx context.Context, req Request, step Step) (Result, error) {
	res := Result{Step: step}
	if err := s.Start(ctx, req, step); err != nil {
		return res, err
	}
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultSwarmTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		c, err := s.convergence(ctx, step)
		if err != nil {
			return res, err
		}
		if c.done() {
			res.Note = fmt.Sprintf("%d/%d tasks running %s", c.running, c.desired, step.To)
			if step.Action == ActionNone {
				res.Note = "already on " + step.To + ", " + res.Note
			}
			return res, nil
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("swarm service %s did not converge on %s within %s: %d/%d tasks running it, %d of another image still running",
				step.Object, step.To, timeout, c.running, c.desired, c.stale)
			if c.taskErr != "" {
				msg += "; last task error: " + c.taskErr
			}
			return res, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("wait for swarm service %s: %w", step.Object, ctx.Err())
		case <-time.After(swarmPoll):
		}
	}
}

// convergence is how far a service got towards running a step's image.
type convergence struct {
	desired, running, stale int
	taskErr                 string
}

func (c convergence) done() bool { return c.running >= c.desired && c.stale == 0 }

func (s *Swarm) convergence(ctx context.Context, step Step) (convergence, error) {
	var c convergence
	svc, err := s.inspect(ctx, step.Object)
	if err != nil {
		return c, err
	}
	if cur := serviceImage(svc.Spec); !sameImage(cur, step.To) {
		return c, fmt.Errorf("swarm service %s now runs %s: %w", step.Object, cur, ErrSuperseded)
	}
	if us := svc.UpdateStatus; us != nil && (us.State == swarm.UpdateStatePaused || us.State == swarm.UpdateStateRollbackPaused) {
		return c, fmt.Errorf("swarm paused the update of service %s: %s", step.Object, us.Message)
	}
	status, err := s.cli.ServiceList(ctx, client.ServiceListOptions{Status: true, Filters: make(client.Filters).Add("id", svc.ID)})
	if err != nil {
		return c, fmt.Errorf("status of swarm service %s: %w", step.Object, err)
	}
	for _, it := range status.Items {
		if it.ID == svc.ID && it.ServiceStatus != nil {
			c.desired = int(it.ServiceStatus.DesiredTasks)
		}
	}
	tasks, err := s.tasks(ctx, svc)
	if err != nil {
		return c, err
	}
	var newest time.Time
	for _, t := range tasks {
		img := taskImage(t)
		switch {
		case t.Status.State == swarm.TaskStateRunning && !sameImage(img, step.To):
			c.stale++
		case t.Status.State == swarm.TaskStateRunning && t.DesiredState == swarm.TaskStateRunning:
			c.running++
		case (t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected) && t.Status.Timestamp.After(newest):
			newest, c.taskErr = t.Status.Timestamp, strings.TrimSpace(t.Status.Err+" "+t.Status.Message)
		}
	}
	return c, nil
}

// Verify implements Driver: every running task of every service runs the
// old image (see verifyTask for how a task on each node is held to it).
func (s *Swarm) Verify(ctx context.Context, req Request, steps []Step) (string, error) {
	v, err := s.newTaskVerifier(ctx)
	if err != nil {
		return "", err
	}
	defer v.close()
	var parts []string
	var errs []error
	for _, step := range steps {
		old, err := s.oldImage(ctx, step)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		svc, err := s.inspect(ctx, step.Object)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tasks, err := s.tasks(ctx, svc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n := 0
		var where []string
		for _, t := range tasks {
			if t.Status.State != swarm.TaskStateRunning {
				continue
			}
			n++
			if err := v.verify(ctx, step, t, old); err != nil {
				errs = append(errs, err)
			}
			if h := v.hostname(t.NodeID); !slices.Contains(where, h) {
				where = append(where, h)
			}
		}
		slices.Sort(where)
		part := fmt.Sprintf("%s: %d running task(s) on %s (%s)", step.Object, n, step.To, old.short())
		if len(where) > 0 {
			part += " on " + strings.Join(where, ", ")
		}
		parts = append(parts, part)
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return strings.Join(parts, "; "), nil
}

func (s *Swarm) inspect(ctx context.Context, name string) (swarm.Service, error) {
	res, err := s.cli.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return swarm.Service{}, fmt.Errorf("swarm service %s does not exist", name)
	}
	if err != nil {
		return swarm.Service{}, fmt.Errorf("inspect swarm service %s: %w", name, err)
	}
	if res.Service.Spec.TaskTemplate.ContainerSpec == nil {
		return swarm.Service{}, fmt.Errorf("swarm service %s runs no container", name)
	}
	return res.Service, nil
}

func (s *Swarm) tasks(ctx context.Context, svc swarm.Service) ([]swarm.Task, error) {
	res, err := s.cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", svc.ID)})
	if err != nil {
		return nil, fmt.Errorf("list the tasks of swarm service %s: %w", svc.Spec.Name, err)
	}
	var out []swarm.Task
	for _, t := range res.Items {
		if t.ServiceID == svc.ID { // the filter also matches services whose name starts with the ID
			out = append(out, t)
		}
	}
	return out, nil
}

func serviceImage(spec swarm.ServiceSpec) string {
	if spec.TaskTemplate.ContainerSpec == nil {
		return ""
	}
	return spec.TaskTemplate.ContainerSpec.Image
}

func taskImage(t swarm.Task) string {
	if t.Spec.ContainerSpec == nil {
		return ""
	}
	return t.Spec.ContainerSpec.Image
}

func orUnknown(s string) string {
	if s == "" {
		return "the new image"
	}
	return s
}
