package stack

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/testcontainers/testcontainers-go"
	"golang.org/x/sync/errgroup"
)

// startup is how far each service of a replica got while it comes up.
// Each channel of a service is closed once, when it got there.
type startup map[string]*milestones

type milestones struct {
	started   chan struct{} // its container runs
	ready     chan struct{} // its readiness probe passed
	completed chan struct{} // it exited with code 0
}

// startAll starts the named services all at once, except where a
// depends_on condition holds one back, as docker compose does:
// service_started (and the short list form) waits for the dependency's
// container to run, service_healthy for it to be ready,
// service_completed_successfully for it to exit with code 0. A dependency
// that is not among names is up already. startAll returns once every
// service is ready (and every service another one waits to complete has
// completed), or at the first failure, which stops the rest and names the
// service that failed.
//
// compose-go's graph.InDependencyOrder, which replicas used before, also
// visits independent services at once, but visits a dependent only once
// the visit of every dependency returned, whatever the condition: with a
// visit that waits for readiness, every dependent waited for its
// dependencies to be ready.
func (r *Replica) startAll(ctx context.Context, names []string) error {
	s := startup{}
	for _, name := range names {
		s[name] = &milestones{started: make(chan struct{}), ready: make(chan struct{}), completed: make(chan struct{})}
	}
	awaited := map[string]bool{} // services another waits to complete
	for _, name := range names {
		for dep, d := range r.project.Services[name].DependsOn {
			if _, ok := s[dep]; ok && d.Condition == types.ServiceConditionCompletedSuccessfully {
				awaited[dep] = true
			}
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, name := range names {
		svc := r.project.Services[name]
		m := s[name]
		g.Go(func() error {
			if err := s.await(ctx, svc.DependsOn); err != nil {
				return &StartError{Service: name, Err: err}
			}
			c, err := r.start(ctx, name, svc, r.imageFor(name, svc), sync.OnceFunc(func() { close(m.started) }))
			if err != nil {
				return err
			}
			close(m.ready)
			if !awaited[name] {
				return nil
			}
			if err := r.awaitExit(ctx, c); err != nil {
				return &StartError{Service: name, Err: err}
			}
			close(m.completed)
			return nil
		})
	}
	return g.Wait()
}

// await waits until every dependency of a service among the startup got
// as far as its depends_on condition asks.
func (s startup) await(ctx context.Context, deps types.DependsOnConfig) error {
	for dep, d := range deps {
		m, ok := s[dep]
		if !ok {
			continue
		}
		var reached chan struct{}
		switch d.Condition {
		case types.ServiceConditionStarted, "":
			reached = m.started
		case types.ServiceConditionHealthy:
			reached = m.ready
		case types.ServiceConditionCompletedSuccessfully:
			reached = m.completed
		default:
			return fmt.Errorf("depends_on %s: unknown condition %q", dep, d.Condition)
		}
		select {
		case <-reached:
		case <-ctx.Done():
			return fmt.Errorf("wait for %s (%s): %w", dep, d.Condition, ctx.Err())
		}
	}
	return nil
}

// awaitExit waits, within the ready timeout, for a container to exit with
// code 0, for services that depend on it completing successfully.
func (r *Replica) awaitExit(ctx context.Context, c *testcontainers.DockerContainer) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ReadyTimeout)
	defer cancel()
	for {
		st, err := c.State(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("wait for the container to complete: %w", err)
		case st.Status == "exited" && st.ExitCode == 0:
			return nil
		case st.Status == "exited" || st.Status == "dead":
			return fmt.Errorf("container exited with code %d, and services depend on it completing successfully%s",
				st.ExitCode, lastLogs(context.WithoutCancel(ctx), c))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the container to complete: still %s: %w", st.Status, ctx.Err())
		case <-time.After(readyPoll):
		}
	}
}
