package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// Kinds of the tests' own: "test-wait" is stack-free, says it started and
// waits until its context ends or its gate (by check name) opens;
// "test-fail" fails at once.
var gates sync.Map // check name -> *gate

type gate struct{ started, release chan struct{} }

func newGate(t *testing.T, name string) *gate {
	g := &gate{make(chan struct{}), make(chan struct{})}
	gates.Store(name, g)
	t.Cleanup(func() { gates.Delete(name) })
	return g
}

func init() {
	Register(Checker{Kind: plan.Kind{Name: "test-wait", Images: true}, Run: func(ctx context.Context, c plan.Check, env Env) result.Result {
		v, _ := gates.Load(c.Name)
		g := v.(*gate)
		close(g.started)
		select {
		case <-ctx.Done():
			return result.Result{}.Unmeasured("interrupted")
		case <-g.release:
			return result.Result{Status: slo.Pass, Reason: "released"}
		}
	}})
	Register(Checker{Kind: plan.Kind{Name: "test-fail"}, Run: func(ctx context.Context, c plan.Check, env Env) result.Result {
		return result.Result{Status: slo.Fail, Reason: "wrong answer"}
	}})
	Register(Checker{Kind: plan.Kind{Name: "test-fail-image", Images: true}, Run: func(ctx context.Context, c plan.Check, env Env) result.Result {
		return result.Result{Status: slo.Fail, Reason: "undeclared upgrade"}
	}})
	Register(Checker{Kind: plan.Kind{Name: "test-prepared"},
		Prepare: func(ctx context.Context, c plan.Check) (any, func()) {
			v, _ := gates.Load(c.Name)
			g := v.(*gate)
			close(g.started)
			return "built " + c.Name, func() { close(g.release) }
		},
		Run: func(ctx context.Context, c plan.Check, env Env) result.Result {
			if v, _ := env.Prepared(ctx).(string); v != "built "+c.Name {
				return result.Result{}.Unmeasuredf("prepared %q", v)
			}
			return result.Result{Status: slo.Pass, Reason: "ran what was prepared"}
		}})
	Register(Checker{Kind: plan.Kind{Name: "test-panic"}, Run: func(ctx context.Context, c plan.Check, env Env) result.Result {
		var m map[string]int
		m["x"]++ // a nil map: a bug in a kind of check
		return result.Result{Status: slo.Pass}
	}})
}

// kvServer stores PUT bodies and serves them back.
func kvServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	kv := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			kv[r.URL.Path] = string(b)
			return
		}
		v, ok := kv[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"value":%q}`, v)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type endpoints map[string]string

func (e endpoints) BaseURL(service string, port int) (string, error) {
	if u, ok := e[service]; ok {
		return u, nil
	}
	return "", fmt.Errorf("no service %s", service)
}

func statuses(rs []result.Result) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s=%s ", r.Name, r.Status)
	}
	return strings.TrimSpace(b.String())
}

func TestPhaseRunsStackChecksInPlanOrder(t *testing.T) {
	srv := kvServer(t)
	checks := []plan.Check{
		{Name: "write", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Method: "PUT", Path: "/k", Body: "v1"}, Expect: plan.HTTPExpect{Status: 200}},
		{Name: "read", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/k"}, Expect: plan.HTTPExpect{JSON: map[string]string{"$.value": "v1"}}},
		{Name: "wrong", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/k"}, Expect: plan.HTTPExpect{JSON: map[string]string{"$.value": "v2"}}},
		{Name: "down", Kind: "http", URL: nettest.RefusedURL(t), Expect: plan.HTTPExpect{Status: 200}},
		{Name: "nameless", Kind: "no-such-kind"},
	}
	var started []string
	ph := Phase{Checks: checks, Env: Env{Phase: PhaseVerify, Endpoints: endpoints{"kv": srv.URL}},
		Logf: func(format string, args ...any) { started = append(started, fmt.Sprintf(format, args...)) }}
	got := ph.Run(context.Background())
	if want := "write=pass read=pass wrong=fail down=inconclusive nameless=inconclusive"; statuses(got) != want {
		t.Fatalf("got %s, want %s", statuses(got), want)
	}
	for _, r := range got {
		if r.Phase != PhaseVerify {
			t.Errorf("%s: phase %q", r.Name, r.Phase)
		}
	}
	if !strings.Contains(got[4].Reason, `unknown check kind "no-such-kind"`) {
		t.Errorf("unknown kind: %q", got[4].Reason)
	}
	if len(started) != 5 || !strings.HasPrefix(started[0], "verify: write (http)") {
		t.Errorf("start lines: %q", started)
	}
}

// A stack-free check starts with the phase, while the stack comes up; the
// checks that talk to the stack wait for it.
func TestStackFreeChecksRunWhileTheStackComesUp(t *testing.T) {
	srv := kvServer(t)
	checks := []plan.Check{
		{Name: "health", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/none"}, Expect: plan.HTTPExpect{Status: 404}},
		{Name: "images", Kind: "test-wait"},
	}
	g := newGate(t, "images")
	ph := Phase{Checks: checks, Env: Env{Phase: PhaseCheck}, Stack: func(ctx context.Context) (result.Endpoints, error) {
		// The stack is up only once the stack-free check has started.
		select {
		case <-g.started:
		case <-time.After(10 * time.Second):
			return nil, errors.New("the stack-free check did not start while the stack came up")
		}
		close(g.release)
		return endpoints{"kv": srv.URL}, nil
	}}
	got := ph.Run(context.Background())
	if statuses(got) != "health=pass images=pass" {
		t.Fatalf("got %s: %+v", statuses(got), got)
	}
}

func TestAStackThatDoesNotComeUpLeavesItsChecksUnmeasured(t *testing.T) {
	ph := Phase{Checks: []plan.Check{{Name: "a", Kind: "http", Service: "kv"}, {Name: "b", Kind: "test-fail"}},
		Env: Env{Phase: PhaseCheck},
		Stack: func(context.Context) (result.Endpoints, error) {
			return nil, errors.New("the stack did not come up")
		}}
	got := ph.Run(context.Background())
	for _, r := range got {
		if r.Status != slo.Inconclusive || r.Reason != "could not measure: the stack did not come up" {
			t.Errorf("%s: %s %q", r.Name, r.Status, r.Reason)
		}
	}
}

// With FailFast the first failure ends the phase: what had not started is
// not run, what was running is stopped; neither passes.
func TestFailFastStopsTheRestNeverPassingThem(t *testing.T) {
	srv := kvServer(t)
	checks := []plan.Check{
		{Name: "slow-images", Kind: "test-wait"},
		{Name: "broken", Kind: "test-fail"},
		{Name: "after", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/none"}, Expect: plan.HTTPExpect{Status: 404}},
	}
	for _, failFast := range []bool{true, false} {
		t.Run(fmt.Sprint("fail_fast=", failFast), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			g := newGate(t, "slow-images")
			ph := Phase{Checks: checks, FailFast: failFast, Env: Env{Phase: PhaseCheck},
				// The failing check starts once the stack-free one runs.
				Stack: func(context.Context) (result.Endpoints, error) {
					<-g.started
					return endpoints{"kv": srv.URL}, nil
				}}
			done := make(chan []result.Result, 1)
			go func() { done <- ph.Run(ctx) }()
			var got []result.Result
			if failFast {
				got = <-done // the failure stops the waiting check
			} else {
				time.Sleep(50 * time.Millisecond)
				cancel() // nothing stops it but the run's end
				got = <-done
			}
			if failFast {
				if statuses(got) != "slow-images=inconclusive broken=fail after=inconclusive" {
					t.Fatalf("got %s", statuses(got))
				}
				if !strings.HasPrefix(got[0].Reason, "stopped: the phase ended after broken failed") {
					t.Errorf("the running check: %q", got[0].Reason)
				}
				if got[2].Reason != "not run: the phase stopped after broken failed (policy.fail_fast)" {
					t.Errorf("the check not started: %q", got[2].Reason)
				}
				return
			}
			if statuses(got) != "slow-images=inconclusive broken=fail after=pass" {
				t.Fatalf("got %s", statuses(got))
			}
			if got[0].Reason != "could not measure: interrupted" {
				t.Errorf("the interrupted check: %q", got[0].Reason)
			}
		})
	}
}

func TestAnInterruptedPhasePassesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := Phase{Checks: []plan.Check{{Name: "a", Kind: "http", URL: "http://127.0.0.1:1/"}}, Env: Env{Phase: PhaseCheck}}.Run(ctx)
	if got[0].Status != slo.Inconclusive || !strings.Contains(got[0].Reason, "could not measure") {
		t.Fatalf("got %s %q", got[0].Status, got[0].Reason)
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	for name, c := range map[string]Checker{
		"no kind":   {Run: func(context.Context, plan.Check, Env) result.Result { return result.Result{} }},
		"no run":    {Kind: plan.Kind{Name: "x"}},
		"duplicate": {Kind: plan.HTTPKind, Run: func(context.Context, plan.Check, Env) result.Result { return result.Result{} }},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Register(c)
		})
	}
}

// Every kind a plan may name runs, and every kind that runs is one a plan
// may name.
func TestEveryPlanKindRuns(t *testing.T) {
	for _, k := range plan.Kinds() {
		if _, ok := Lookup(k.Name); !ok {
			t.Errorf("plans may name kind %q, which has no checker", k.Name)
		}
	}
	for _, name := range Kinds() {
		if _, ok := plan.LookupKind(name); !ok {
			t.Errorf("kind %q runs but plans cannot name it", name)
		}
	}
}

// An image check that fails while the stack comes up ends a fail-fast
// phase there: the stack's checks are not run, and say so.
func TestFailFastWhileTheStackComesUp(t *testing.T) {
	checks := []plan.Check{{Name: "packages", Kind: "test-fail-image"}, {Name: "health", Kind: "http", Service: "kv"}}
	ph := Phase{Checks: checks, FailFast: true, Env: Env{Phase: PhaseCheck},
		Stack: func(ctx context.Context) (result.Endpoints, error) {
			<-ctx.Done() // a stack slow to come up, stopped by the failure
			return nil, errors.New("the phase stopped while the stack came up")
		}}
	got := ph.Run(context.Background())
	if statuses(got) != "packages=fail health=inconclusive" {
		t.Fatalf("got %s", statuses(got))
	}
	if got[1].Reason != "not run: the phase stopped after packages failed (policy.fail_fast)" {
		t.Errorf("the stack's check: %q", got[1].Reason)
	}
}

// A kind of check that panics could not measure; the phase goes on.
func TestAPanickingCheckCouldNotMeasure(t *testing.T) {
	srv := kvServer(t)
	checks := []plan.Check{{Name: "buggy", Kind: "test-panic"}, {Name: "after", Kind: "http", URL: srv.URL + "/none", Expect: plan.HTTPExpect{Status: 404}}}
	got := Phase{Checks: checks, Env: Env{Phase: PhaseCheck}}.Run(context.Background())
	if statuses(got) != "buggy=inconclusive after=pass" {
		t.Fatalf("got %s", statuses(got))
	}
	if !strings.Contains(got[0].Reason, "could not measure: the test-panic check panicked: assignment to entry in nil map") {
		t.Errorf("reason %q", got[0].Reason)
	}
}

// A kind's Prepare starts with the phase, before the stack is up; Run gets
// what it made; what it made is undone when the phase ends, also for a
// check the phase never ran.
func TestPrepareStartsWithThePhaseAndIsUndone(t *testing.T) {
	ran, skipped := newGate(t, "suite"), newGate(t, "never-run")
	checks := []plan.Check{{Name: "suite", Kind: "test-prepared"}, {Name: "broken", Kind: "test-fail"}, {Name: "never-run", Kind: "test-prepared"}}
	ph := Phase{Checks: checks, FailFast: true, Env: Env{Phase: PhaseCheck},
		Stack: func(context.Context) (result.Endpoints, error) {
			<-ran.started // prepared while the stack comes up
			<-skipped.started
			return endpoints{}, nil
		}}
	got := ph.Run(context.Background())
	if statuses(got) != "suite=pass broken=fail never-run=inconclusive" {
		t.Fatalf("got %s: %+v", statuses(got), got)
	}
	for name, g := range map[string]*gate{"suite": ran, "never-run": skipped} {
		select {
		case <-g.release:
		default:
			t.Errorf("%s: what Prepare made was not undone", name)
		}
	}
}
