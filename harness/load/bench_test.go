package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vegetaVersion is the vegeta the benchmark compares with: the version
// postflight's go.mod uses as a library.
const vegetaVersion = "v12.13.0"

// BenchmarkSustainedRateVsVegeta measures, side by side in one run, the
// highest rate postflight's load phase sustains against a fast local
// endpoint (the demo service's /healthz, in a process of its own) and the
// same for the vegeta command line, with the latency percentiles both report
// at each rate. A rate is sustained when the achieved rate is at least 98%
// of it and every request succeeded. See docs/benchmarks.md.
func BenchmarkSustainedRateVsVegeta(b *testing.B) {
	if testing.Short() {
		b.Skip("builds vegeta and the demo service")
	}
	dir := b.TempDir()
	vegeta := filepath.Join(dir, "vegeta")
	install := exec.Command("go", "install", "github.com/tsenart/vegeta/v12@"+vegetaVersion)
	install.Dir, install.Env = dir, append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		b.Fatalf("install vegeta %s: %v\n%s", vegetaVersion, err, out)
	}
	url := startDemo(b, dir)

	rates := []float64{1000, 2000, 4000, 8000, 12000, 16000, 20000, 24000}
	const d = 3 * time.Second
	var best [2]float64
	b.Logf("%-7s | %-34s | %-34s", "rate", "postflight: achieved, ok, p50, p99", "vegeta: achieved, ok, p50, p99")
	for i := 0; i < b.N; i++ {
		for _, rate := range rates {
			pf := runPostflight(b, url, rate, d)
			vg := runVegeta(b, vegeta, url, rate, d)
			b.Logf("%-7.0f | %-34s | %-34s", rate, pf, vg)
			for j, m := range []measured{pf, vg} {
				if m.sustains(rate) && rate > best[j] {
					best[j] = rate
				}
			}
			if !pf.sustains(rate) && !vg.sustains(rate) {
				break
			}
		}
	}
	b.ReportMetric(best[0], "postflight-max-rate/s")
	b.ReportMetric(best[1], "vegeta-max-rate/s")
	b.Logf("highest sustained rate: postflight %.0f/s, vegeta %.0f/s (GOMAXPROCS %d)", best[0], best[1], runtime.GOMAXPROCS(0))
}

type measured struct {
	rate, success float64
	p50, p99      time.Duration
}

func (m measured) sustains(rate float64) bool { return m.rate >= 0.98*rate && m.success == 1 }

func (m measured) String() string {
	return fmt.Sprintf("%7.1f/s, %5.1f%%, %8s, %8s", m.rate, 100*m.success, m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond))
}

func runPostflight(b *testing.B, url string, rate float64, d time.Duration) measured {
	res, err := Run(context.Background(), Spec{Rate: rate, Duration: d, Timeout: 5 * time.Second,
		Targets: []Target{{Method: "GET", URL: url}}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return measured{rate: res.Rate, success: float64(res.Successes) / float64(max(res.Requests, 1)),
		p50: percentile(res.Latencies, 0.50), p99: percentile(res.Latencies, 0.99)}
}

func runVegeta(b *testing.B, bin, url string, rate float64, d time.Duration) measured {
	attack := exec.Command(bin, "attack", "-rate", strconv.FormatFloat(rate, 'f', 0, 64)+"/s", "-duration", d.String(), "-timeout", "5s")
	attack.Stdin = strings.NewReader("GET " + url + "\n")
	report := exec.Command(bin, "report", "-type", "json")
	pipe, err := attack.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	report.Stdin = pipe
	var out bytes.Buffer
	report.Stdout = &out
	if err := report.Start(); err != nil {
		b.Fatal(err)
	}
	if err := attack.Run(); err != nil {
		b.Fatalf("vegeta attack: %v", err)
	}
	if err := report.Wait(); err != nil {
		b.Fatalf("vegeta report: %v", err)
	}
	var r struct {
		Rate      float64 `json:"rate"`
		Success   float64 `json:"success"`
		Latencies struct {
			P50 time.Duration `json:"50th"`
			P99 time.Duration `json:"99th"`
		} `json:"latencies"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		b.Fatalf("vegeta report: %v\n%s", err, out.String())
	}
	return measured{rate: r.Rate, success: r.Success, p50: r.Latencies.P50, p99: r.Latencies.P99}
}

// startDemo builds the demo service and runs it as a writer on a loopback
// port, in a process of its own so that it does not share the client's
// scheduler.
func startDemo(b *testing.B, dir string) string {
	bin := filepath.Join(dir, "demo")
	build := exec.Command("go", "build", "-o", bin, "github.com/postflight/postflight/fixtures/demo")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build demo: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "-role", "writer", "-listen", addr)
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	url := "http://" + addr + "/healthz"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return url
		}
	}
	b.Fatalf("demo service did not answer on %s", url)
	return ""
}
