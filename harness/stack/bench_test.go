package stack_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

// BenchmarkReplicaUpDemo brings the demo stack up, side by side in each
// iteration: as its compose file says (the reader depends_on the writer in
// the short form, service_started, so it starts once the writer's container
// runs) and with the reader held back until the writer is ready (condition:
// service_healthy), which is how every replica came up while services
// started in compose-go's dependency order. Only Up is timed.
func BenchmarkReplicaUpDemo(b *testing.B) {
	cli := dockertest.Client(b, demoImage)
	src, err := os.ReadFile("../../fixtures/demo/compose.yaml")
	if err != nil {
		b.Fatal(err)
	}
	const short = "    depends_on:\n      - writer\n"
	if !strings.Contains(string(src), short) {
		b.Fatalf("the demo's compose file no longer has %q", short)
	}
	dir := b.TempDir()
	files := map[string]string{
		"parallel":   string(src),
		"sequential": strings.Replace(string(src), short, "    depends_on:\n      writer: {condition: service_healthy}\n", 1),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	up := func(name string) time.Duration {
		path := filepath.Join(dir, name+".yaml")
		runID := fmt.Sprintf("bench-%s-%d", name, time.Now().UnixNano())
		r := stack.NewReplica(stack.ReplicaConfig{RunID: runID, PlanPath: path, Compose: path,
			UnderTest: []string{"writer", "reader"}, Image: demoImage, ReadyTimeout: 60 * time.Second})
		start := time.Now()
		err := r.Up(context.Background())
		d := time.Since(start)
		b.StopTimer()
		defer b.StartTimer()
		if derr := r.Down(context.Background()); derr != nil {
			b.Error(derr)
		}
		if left := dockertest.Labelled(b, cli, stack.LabelRun, runID); len(left) > 0 {
			b.Errorf("left behind: %v", left)
		}
		if err != nil {
			b.Fatalf("%s: up: %v", name, err)
		}
		return d
	}
	// The first replica of a process also pays for connecting to the
	// daemon: not timed.
	b.StopTimer()
	up("parallel")
	b.StartTimer()
	order := []string{"sequential", "parallel"}
	total := map[string]time.Duration{}
	for i := 0; i < b.N; i++ {
		for _, name := range order {
			total[name] += up(name)
		}
		order[0], order[1] = order[1], order[0] // neither always goes first
	}
	n := float64(b.N)
	b.ReportMetric(total["sequential"].Seconds()/n, "s/up-sequential")
	b.ReportMetric(total["parallel"].Seconds()/n, "s/up-parallel")
	b.ReportMetric(total["sequential"].Seconds()/total["parallel"].Seconds(), "x-faster")
}
