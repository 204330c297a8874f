package harness_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
)

// BenchmarkCheckPhaseStart is the time a run takes around a check that
// takes no time: a plan against an existing stack (a local HTTP server)
// with one http check. What it measures is what the check phase costs
// before and after its checks: starting the phase, the check's one
// request, the verdict. See docs/benchmarks.md.
func BenchmarkCheckPhaseStart(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	path := filepath.Join(b.TempDir(), "postflight.yaml")
	src := "version: 1\nstack:\n  existing:\n    services:\n      web: {url: \"" + srv.URL + "\"}\nchecks:\n  - {name: health, kind: http, service: web}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	p := loadPlan(b, path)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		rep, err := harness.Run(context.Background(), p, harness.Options{})
		if err != nil || rep.ExitCode != 0 {
			b.Fatalf("run: %v %+v", err, rep)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/run")
}
