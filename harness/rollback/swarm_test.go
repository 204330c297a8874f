package rollback

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/nettest"
)

func TestSwarmRollsBackToThePreviousSpecAndVerifiesTheDigest(t *testing.T) {
	onEverySwarm(t, testSwarmRollsBackToThePreviousSpecAndVerifiesTheDigest)
}

func testSwarmRollsBackToThePreviousSpecAndVerifiesTheDigest(t *testing.T, s testSwarm) {
	ctx := context.Background()
	name, port := testID+"-web", nettest.FreePort(t)
	s.service(t, name, demoGood, port, time.Second)
	s.waitVersion(t, port, "1.0.0")
	s.deploy(t, demoBad, map[string]int{name: port})
	if got := s.kvStatus(t, port); got != http.StatusInternalServerError {
		t.Fatalf("the bad version answers GET /kv with %d, want 500", got)
	}
	req := Request{RunID: "swarm-" + testID, OldImage: demoGood, NewImage: demoBad, Services: []string{name}, Reason: "kv: status 500"}

	t.Run("bad input changes nothing", func(t *testing.T) {
		before := lastChange(t, s.cli, name)
		tests := []struct {
			name   string
			cfg    SwarmConfig
			req    Request
			errHas string
		}{
			{"service does not exist", s.config(SwarmConfig{Services: []string{name + "-nope"}}), req,
				"swarm service " + name + "-nope does not exist"},
			{"previous spec is not the old image", s.config(SwarmConfig{Services: []string{name}}), Request{OldImage: "postflight-demo:0.9.0", NewImage: demoBad},
				"the previous spec of swarm service " + name + " runs " + demoGood + ", not the old image postflight-demo:0.9.0"},
			{"service runs another version than the one tested", s.config(SwarmConfig{Services: []string{name}}), Request{OldImage: demoGood, NewImage: "postflight-demo:1.2.0"},
				"runs " + demoBad + ", not the new image postflight-demo:1.2.0"},
			{"daemon down", SwarmConfig{Services: []string{name}, Host: "unix://" + t.TempDir() + "/docker.sock"}, req,
				"failed to connect to the docker API"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d, err := NewSwarm(tt.cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				state := t.TempDir()
				_, err = (&Runner{Driver: d, StateDir: state}).RollBack(ctx, tt.req)
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err %v, want it to say %q", err, tt.errHas)
				}
				if p, _ := Pending(state); len(p) != 0 {
					t.Errorf("a rollback that changed nothing left a journal: %v", p)
				}
			})
		}
		if after := lastChange(t, s.cli, name); after != before {
			t.Errorf("service changed from %s to %s", before, after)
		}
	})

	d, err := NewSwarm(s.config(SwarmConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r := &Runner{Driver: d, StateDir: t.TempDir(), Logf: t.Logf}

	t.Run("dry run changes nothing", func(t *testing.T) {
		before := lastChange(t, s.cli, name)
		out, err := r.DryRun(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !out.DryRun || len(out.Steps) != 1 || out.Steps[0].Step.Action != ActionPreviousSpec || out.Steps[0].Step.To != demoGood {
			t.Errorf("dry run %+v", out)
		}
		if want := "would roll " + name + " back to its previous spec (" + demoBad + " -> " + demoGood + ")"; !strings.Contains(out.Output, want) {
			t.Errorf("dry run says %q, want %q", out.Output, want)
		}
		if after := lastChange(t, s.cli, name); after != before {
			t.Errorf("dry run changed the service: %s -> %s", before, after)
		}
		if p, _ := Pending(r.StateDir); len(p) != 0 {
			t.Errorf("dry run wrote a journal")
		}
	})

	start := time.Now()
	out, err := r.RollBack(ctx, req)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("rollback: %v\n%+v", err, out)
	}
	t.Logf("swarm rollback of one demo service, %d task(s) (healthcheck every 1s), decide to verified: %s", s.replicas, elapsed.Round(10*time.Millisecond))
	if want := name + " back to " + demoGood + " (previous spec)"; out.Action != want {
		t.Errorf("action %q, want %q", out.Action, want)
	}
	if want := fmt.Sprintf("%s: %d running task(s) on %s", name, s.replicas, demoGood); !strings.Contains(out.Verified, want) {
		t.Errorf("verified %q, want it to say %q", out.Verified, want)
	}
	s.tasksRun(t, name, demoGood)
	if v, err := s.healthz(port); err != nil || v != "1.0.0" {
		t.Errorf("after the rollback /healthz says %q, %v", v, err)
	}
	if got := s.kvStatus(t, port); got != http.StatusNotFound {
		t.Errorf("after the rollback GET /kv answers %d, want 404", got)
	}
	if p, err := Pending(r.StateDir); err != nil || len(p) != 0 {
		t.Errorf("finished rollback left journals %v, %v", p, err)
	}

	t.Run("twice does no harm", func(t *testing.T) {
		before := lastChange(t, s.cli, name)
		out, err := r.RollBack(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Steps) != 1 || out.Steps[0].Step.Action != ActionNone {
			t.Errorf("second rollback %+v", out.Steps)
		}
		if after := lastChange(t, s.cli, name); after != before {
			t.Errorf("second rollback changed the service: %s -> %s", before, after)
		}
	})

	t.Run("no previous spec", func(t *testing.T) {
		fresh := testID + "-fresh"
		s.service(t, fresh, demoGood, 0, time.Second)
		d, err := NewSwarm(s.config(SwarmConfig{Services: []string{fresh}}))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.Decide(ctx, Request{})
		if err == nil || !strings.Contains(err.Error(), "swarm service "+fresh+" has no previous spec") {
			t.Errorf("err %v", err)
		}
	})
}

func TestSwarmRollsAStacksServicesBackTogetherToAnExplicitImage(t *testing.T) {
	onEverySwarm(t, testSwarmRollsAStacksServicesBackTogetherToAnExplicitImage)
}

func testSwarmRollsAStacksServicesBackTogetherToAnExplicitImage(t *testing.T, s testSwarm) {
	ctx := context.Background()
	stackName := testID + "x"
	ports := map[string]int{"api": nettest.FreePort(t), "web": nettest.FreePort(t)}
	for svc, port := range ports {
		s.service(t, stackName+"_"+svc, demoBad, port, 500*time.Millisecond)
	}
	for _, port := range ports {
		s.waitVersion(t, port, "1.1.0")
	}
	d, err := NewSwarm(s.config(SwarmConfig{Stack: stackName, Services: []string{"web", "api"}, Image: demoGood}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := (&Runner{Driver: d, StateDir: t.TempDir()}).RollBack(ctx, Request{RunID: "stack", NewImage: demoBad})
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if want := stackName + "_web, " + stackName + "_api set to " + demoGood; out.Action != want {
		t.Errorf("action %q, want %q", out.Action, want)
	}
	for svc, port := range ports {
		s.tasksRun(t, stackName+"_"+svc, demoGood)
		if v, err := s.healthz(port); err != nil || v != "1.0.0" {
			t.Errorf("%s says %q, %v", svc, v, err)
		}
	}
}

// BenchmarkSwarmRollback measures a rollback of the demo service (with the
// demo compose file's healthcheck, every 1s) from the decision to the
// verified digest: the part of `postflight run` after the verdict, before
// the plan's verify checks.
func BenchmarkSwarmRollback(b *testing.B) {
	s := daemonSwarm(b)
	name, port := testID+"-bench", nettest.FreePort(b)
	s.service(b, name, demoGood, port, time.Second)
	s.waitVersion(b, port, "1.0.0")
	d, err := NewSwarm(SwarmConfig{Services: []string{name}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	r := &Runner{Driver: d, StateDir: b.TempDir()}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s.deploy(b, demoBad, map[string]int{name: port})
		b.StartTimer()
		start := time.Now()
		if _, err := r.RollBack(context.Background(), Request{RunID: "bench", OldImage: demoGood, NewImage: demoBad}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		if v, err := healthz(port); err != nil || v != "1.0.0" {
			b.Fatalf("after the rollback /healthz says %q, %v", v, err)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/rollback")
}
