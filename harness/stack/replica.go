package stack

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
	"golang.org/x/sync/errgroup"

	"github.com/postflight/postflight/harness/compose"
)

// ReplicaConfig says how to start a replica stack.
type ReplicaConfig struct {
	// RunID and PlanPath label everything the replica creates.
	RunID    string
	PlanPath string
	// Compose is the compose file's path.
	Compose string
	// UnderTest names the services whose image is replaced by Image.
	UnderTest []string
	Image     string
	// ReadyTimeout bounds the wait for each service.
	ReadyTimeout time.Duration
	// ReadyPaths optionally gives an HTTP readiness probe per service, for
	// services without a compose healthcheck.
	ReadyPaths map[string]ReadyProbe
	// Logf reports progress; nil discards it.
	Logf func(format string, args ...any)
}

// ReadyProbe is an HTTP path that answers 2xx once a service is ready.
type ReadyProbe struct {
	Path string
	Port int
}

// Replica is a stack started from a compose file with the image under test
// swapped in, on a network of its own, with every service reachable from
// the host on a random loopback port.
type Replica struct {
	cfg     ReplicaConfig
	project *types.Project
	network *testcontainers.DockerNetwork
	// up is set once Up brought every service up.
	up bool

	mu         sync.Mutex
	containers map[string]*testcontainers.DockerContainer
}

var _ Stack = (*Replica)(nil)

// NewReplica prepares a replica; nothing is started before Up.
func NewReplica(cfg ReplicaConfig) *Replica {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Replica{cfg: cfg, containers: map[string]*testcontainers.DockerContainer{}}
}

func (r *Replica) String() string {
	return fmt.Sprintf("replica of %s (%s under test: %s)", r.cfg.Compose, strings.Join(r.cfg.UnderTest, ", "), r.cfg.Image)
}

// Up reads the compose file, creates the network and starts the services
// at once where depends_on allows (see startAll), and returns once every
// one is ready.
func (r *Replica) Up(ctx context.Context) error {
	p, err := compose.Load(ctx, r.cfg.Compose, compose.ForRunning)
	if err != nil {
		return &StartError{Err: err}
	}
	r.project = p
	// Reach the daemon the user named before testcontainers looks for one
	// of its own.
	cli, err := NewDockerClient(ctx)
	if err != nil {
		return &StartError{Err: err}
	}
	cli.Close()
	labels := runLabels(r.cfg.RunID, r.cfg.PlanPath)
	nw, err := tcnetwork.New(ctx, tcnetwork.WithLabels(labels))
	if err != nil {
		return &StartError{Err: fmt.Errorf("create network: %w", err)}
	}
	r.network = nw
	r.cfg.Logf("network %s created", nw.Name)
	if err := r.startAll(ctx, slices.Sorted(maps.Keys(p.Services))); err != nil {
		return err
	}
	r.up = true
	return nil
}

// SwapImage restarts the services under test with another image; a
// replica that is not up yet comes up with it.
func (r *Replica) SwapImage(ctx context.Context, image string) error {
	if !r.up {
		// Never up, or cut short on its way (an interrupt, a phase that
		// stopped): what it started goes, and it comes up whole.
		if r.project != nil {
			if err := r.Down(ctx); err != nil {
				return &StartError{Err: fmt.Errorf("remove the replica's partial start: %w", err)}
			}
		}
		r.cfg.Image = image
		return r.Up(ctx)
	}
	r.cfg.Image = image
	for _, name := range r.cfg.UnderTest {
		if _, err := r.project.GetService(name); err != nil {
			return &StartError{Service: name, Err: err}
		}
	}
	r.mu.Lock()
	old := map[string]*testcontainers.DockerContainer{}
	for _, name := range r.cfg.UnderTest {
		if c := r.containers[name]; c != nil {
			old[name] = c
		}
		delete(r.containers, name)
	}
	r.mu.Unlock()
	var g errgroup.Group
	for name, c := range old {
		g.Go(func() error {
			if err := c.Terminate(context.WithoutCancel(ctx)); err != nil {
				return &StartError{Service: name, Err: fmt.Errorf("remove container: %w", err)}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return r.startAll(ctx, r.cfg.UnderTest)
}

func (r *Replica) imageFor(name string, svc types.ServiceConfig) string {
	if slices.Contains(r.cfg.UnderTest, name) && r.cfg.Image != "" {
		return r.cfg.Image
	}
	return svc.Image
}

// start runs a service's container, calls started once it runs, and
// waits until it is ready.
func (r *Replica) start(ctx context.Context, name string, svc types.ServiceConfig, image string, started func()) (*testcontainers.DockerContainer, error) {
	underTest := slices.Contains(r.cfg.UnderTest, name)
	labels := runLabels(r.cfg.RunID, r.cfg.PlanPath)
	labels[LabelService] = name
	for k, v := range svc.Labels {
		labels[k] = v
	}
	ports, err := compose.ServicePorts(svc)
	if err != nil {
		return nil, &StartError{Service: name, Err: err}
	}
	exposed := make([]string, len(ports))
	for i, p := range ports {
		exposed[i] = strconv.Itoa(p) + "/tcp"
	}
	env := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(fmt.Sprintf("postflight-%s-%s", r.cfg.RunID, name)),
		testcontainers.WithLabels(labels),
		testcontainers.WithEnv(env),
		testcontainers.WithExposedPorts(exposed...),
		tcnetwork.WithNetwork([]string{name}, r.network),
		testcontainers.WithWaitStrategyAndDeadline(r.cfg.ReadyTimeout, r.waitFor(name, svc, ports)),
		// Runs once the container runs, before the wait for readiness:
		// what services that only need it started wait for.
		testcontainers.WithAdditionalLifecycleHooks(testcontainers.ContainerLifecycleHooks{
			PostStarts: []testcontainers.ContainerHook{func(context.Context, testcontainers.Container) error {
				started()
				return nil
			}},
		}),
	}
	// Published on the loopback address only: a replica is for postflight,
	// not for the network.
	opts = append(opts, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		hc.PortBindings = network.PortMap{}
		for _, p := range exposed {
			hc.PortBindings[network.MustParsePort(p)] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}
		}
	}))
	if len(svc.Entrypoint) > 0 {
		opts = append(opts, testcontainers.WithEntrypoint(svc.Entrypoint...))
	}
	if len(svc.Command) > 0 {
		opts = append(opts, testcontainers.WithCmd(svc.Command...))
	}
	if hc := svc.HealthCheck; hc != nil && !hc.Disable && len(hc.Test) > 0 {
		opts = append(opts, testcontainers.WithConfigModifier(func(c *container.Config) {
			c.Healthcheck = healthConfig(hc)
		}))
	}
	r.cfg.Logf("starting %s (%s)", name, image)
	begun := time.Now()
	c, err := testcontainers.Run(ctx, image, opts...)
	if c != nil {
		r.mu.Lock()
		r.containers[name] = c
		r.mu.Unlock()
	}
	if err != nil {
		// The version under test is to blame only when its container was
		// created and then did not become ready.
		blame := underTest && c != nil && ctx.Err() == nil
		if c != nil {
			// A container that exited says so plainly, whichever readiness
			// probe noticed it.
			if st, serr := c.State(context.WithoutCancel(ctx)); serr == nil && st.Status == "exited" {
				err = fmt.Errorf("container exited with code %d", st.ExitCode)
			}
			err = fmt.Errorf("%w%s", err, lastLogs(context.WithoutCancel(ctx), c))
		}
		return c, &StartError{Service: name, UnderTest: blame, Err: err}
	}
	r.cfg.Logf("%s ready in %s", name, time.Since(begun).Round(time.Millisecond))
	return c, nil
}

// readyPoll is how often readiness is asked.
const readyPoll = 50 * time.Millisecond

// waitFor picks how to tell a service is ready: its compose healthcheck,
// else a plan's HTTP probe, else its ports being mapped. None of them runs
// a shell inside the container, which scratch images do not have.
func (r *Replica) waitFor(name string, svc types.ServiceConfig, ports []int) wait.Strategy {
	if hc := svc.HealthCheck; hc != nil && !hc.Disable && len(hc.Test) > 0 {
		// Docker runs a healthcheck first one whole interval after the
		// start; an exec form (no shell needed) is run here at a fine
		// interval instead, and passes where Docker's first run would.
		if hc.Test[0] == "CMD" && len(hc.Test) > 1 {
			return wait.ForExec(hc.Test[1:]).WithPollInterval(readyPoll)
		}
		return wait.ForHealthCheck().WithPollInterval(readyPoll)
	}
	if probe, ok := r.cfg.ReadyPaths[name]; ok {
		port := probe.Port
		if port == 0 && len(ports) > 0 {
			port = ports[0]
		}
		return wait.ForHTTP(probe.Path).WithPort(strconv.Itoa(port) + "/tcp").WithPollInterval(readyPoll).
			WithStatusCodeMatcher(func(s int) bool { return s >= 200 && s < 300 })
	}
	if len(ports) > 0 {
		return wait.ForMappedPort(strconv.Itoa(ports[0]) + "/tcp").WithPollInterval(readyPoll)
	}
	return wait.ForNop(func(context.Context, wait.StrategyTarget) error { return nil })
}

func healthConfig(hc *types.HealthCheckConfig) *container.HealthConfig {
	d := func(p *types.Duration) time.Duration {
		if p == nil {
			return 0
		}
		return time.Duration(*p)
	}
	h := &container.HealthConfig{
		Test:        hc.Test,
		Interval:    d(hc.Interval),
		Timeout:     d(hc.Timeout),
		StartPeriod: d(hc.StartPeriod),
	}
	if hc.Retries != nil {
		h.Retries = int(*hc.Retries)
	}
	return h
}

// lastLogs is the tail of a container's output, to explain why it did not
// become ready.
func lastLogs(ctx context.Context, c *testcontainers.DockerContainer) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return "; last output: " + strings.Join(lines, " | ")
}

// BaseURL is http://HOST:PORT for a service's container port, reachable
// from where postflight runs.
func (r *Replica) BaseURL(service string, port int) (string, error) {
	r.mu.Lock()
	c, ok := r.containers[service]
	r.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("service %s is not running in the replica", service)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if port == 0 {
		svc, err := r.project.GetService(service)
		if err != nil {
			return "", err
		}
		ports, err := compose.ServicePorts(svc)
		if err != nil {
			return "", err
		}
		if len(ports) == 0 {
			return "", fmt.Errorf("service %s publishes no port", service)
		}
		port = ports[0]
	}
	ep, err := c.PortEndpoint(ctx, strconv.Itoa(port)+"/tcp", "http")
	if err != nil {
		return "", fmt.Errorf("port %d of service %s: %w", port, service, err)
	}
	return ep, nil
}

// Down removes the replica's containers and network, whatever state Up left
// them in, by their run label.
func (r *Replica) Down(ctx context.Context) error {
	cli, err := NewDockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	removed, _, err := Sweep(ctx, cli, r.cfg.RunID, true)
	r.cfg.Logf("removed %d container(s), %d network(s)", len(removed.Containers), len(removed.Networks))
	r.mu.Lock()
	r.containers = map[string]*testcontainers.DockerContainer{}
	r.mu.Unlock()
	r.project, r.network, r.up = nil, nil, false
	return err
}
