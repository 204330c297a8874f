package stack_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

const demoImage = "postflight-demo:1.0.0"

// events records a replica's progress lines in order.
type events struct {
	mu    sync.Mutex
	lines []string
}

func (e *events) logf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, fmt.Sprintf(format, args...))
}

// index is the position of the first line starting with prefix, or -1.
func (e *events) index(prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.IndexFunc(e.lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// service is a demo writer named name in a compose file; extra is more of
// its YAML, indented by four spaces.
func service(name, extra string) string {
	return fmt.Sprintf(`  %s:
    image: %s
    command: ["-role", "writer", "-listen", ":8080"]
    ports: ["8080"]
%s`, name, demoImage, extra)
}

// healthcheck is a compose healthcheck asking url for a 2xx.
func healthcheck(url string) string {
	return fmt.Sprintf("    healthcheck:\n      test: [\"CMD\", \"/demo\", \"healthcheck\", %q]\n", url)
}

// replica writes a compose file of services and prepares a replica of it.
func replica(t *testing.T, services ...string) (*stack.Replica, *events, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(path, []byte("services:\n"+strings.Join(services, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	runID := fmt.Sprintf("startup-%d", time.Now().UnixNano())
	r := stack.NewReplica(stack.ReplicaConfig{RunID: runID, PlanPath: path, Compose: path,
		UnderTest: []string{"a"}, Image: demoImage, ReadyTimeout: 20 * time.Second, Logf: ev.logf})
	return r, ev, runID
}

// down removes the replica and fails the test if anything of it is left.
func down(t *testing.T, cli *client.Client, r *stack.Replica, runID string) {
	t.Helper()
	if err := r.Down(context.Background()); err != nil {
		t.Errorf("down: %v", err)
	}
	if left := dockertest.Labelled(t, cli, stack.LabelRun, runID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// With depends_on in its short form (service_started), b starts as soon as
// a's container runs. Here a is ready only once b answers, so a replica
// that held b back until a was ready would never come up.
func TestReplicaStartsADependentOnceItsDependencyRuns(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	r, ev, runID := replica(t,
		service("a", healthcheck("http://b:8080/healthz")),
		service("b", "    depends_on: [a]\n"))
	defer down(t, cli, r, runID)
	if err := r.Up(context.Background()); err != nil {
		t.Fatalf("up: %v (progress: %q)", err, ev.lines)
	}
	startB, readyA := ev.index("starting b "), ev.index("a ready in ")
	if ev.index("starting a ") < 0 || startB < 0 || readyA < 0 || startB > readyA {
		t.Errorf("b did not start before a was ready: %q", ev.lines)
	}
	for _, svc := range []string{"a", "b"} {
		if _, err := r.BaseURL(svc, 0); err != nil {
			t.Errorf("service %s: %v", svc, err)
		}
	}
}

// service_healthy holds b back until a is ready; service_completed_successfully
// holds c back until a one-off service exited with code 0.
func TestReplicaDependentWaitsForWhatItsConditionAsks(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	r, ev, runID := replica(t,
		service("a", healthcheck("http://127.0.0.1:8080/healthz")),
		service("b", "    depends_on:\n      a: {condition: service_healthy}\n"),
		fmt.Sprintf(`  once:
    image: %s
    command: ["healthcheck", "http://a:8080/healthz"]
    depends_on:
      a: {condition: service_healthy}
`, demoImage),
		service("c", "    depends_on:\n      once: {condition: service_completed_successfully}\n"))
	defer down(t, cli, r, runID)
	if err := r.Up(context.Background()); err != nil {
		t.Fatalf("up: %v (progress: %q)", err, ev.lines)
	}
	order := func(first, then string) {
		if i, j := ev.index(first), ev.index(then); i < 0 || j < 0 || i > j {
			t.Errorf("%q did not come before %q: %q", first, then, ev.lines)
		}
	}
	order("a ready in ", "starting b ")
	order("a ready in ", "starting once ")
	order("starting once ", "starting c ")
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", stack.LabelRun+"="+runID, stack.LabelService+"=once")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].State != "exited" {
		t.Errorf("the one-off service: %+v, want one exited container", res.Items)
	}
}

// A cycle, or a dependency the compose file does not define, is an error
// naming the services before anything is created (compose-go's loader
// finds both).
func TestReplicaRefusesDependenciesItCannotOrder(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	tests := []struct {
		name     string
		services []string
		want     []string
	}{
		{"cycle", []string{service("a", "    depends_on: [b]\n"), service("b", "    depends_on: [a]\n")}, []string{"cycle", "a -> b"}},
		{"unknown service", []string{service("a", "    depends_on: [ghost]\n")}, []string{`"a"`, `"ghost"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, runID := replica(t, tt.services...)
			defer down(t, cli, r, runID)
			err := r.Up(context.Background())
			if err == nil {
				t.Fatal("up succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if left := dockertest.Labelled(t, cli, stack.LabelRun, runID); len(left) > 0 {
				t.Errorf("created before the error: %v", left)
			}
		})
	}
}

// A dependency that does not come up fails Up, naming it and blaming the
// version under test; its dependents never start, and Down leaves nothing.
func TestReplicaFailingDependencyFailsUpNamingIt(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	r, ev, runID := replica(t,
		fmt.Sprintf("  a:\n    image: %s\n    command: [\"-role\", \"neither\"]\n%s", demoImage, healthcheck("http://127.0.0.1:8080/healthz")),
		service("b", "    depends_on:\n      a: {condition: service_healthy}\n"),
		service("c", ""))
	defer down(t, cli, r, runID)
	err := r.Up(context.Background())
	var se *stack.StartError
	if !errors.As(err, &se) || se.Service != "a" || !se.UnderTest || !strings.Contains(err.Error(), "exited with code 2") {
		t.Fatalf("up: %v (%+v), want a start error of a, under test, that exited with code 2", err, se)
	}
	if ev.index("starting b ") >= 0 {
		t.Errorf("b started though a never became ready: %q", ev.lines)
	}
}

// Interrupted while it comes up, a replica stops starting services, and
// Down removes whatever had started.
func TestReplicaInterruptedLeavesNothing(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	r, ev, runID := replica(t,
		service("a", healthcheck("http://127.0.0.1:9/never")),
		service("b", "    depends_on:\n      a: {condition: service_healthy}\n"),
		service("c", ""))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ev.index("starting a ") < 0 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second)
		cancel()
	}()
	begun := time.Now()
	err := r.Up(ctx)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("up: %v, want it interrupted", err)
	}
	if d := time.Since(begun); d > 10*time.Second {
		t.Errorf("up took %s to notice the interrupt", d)
	}
	down(t, cli, r, runID)
}
