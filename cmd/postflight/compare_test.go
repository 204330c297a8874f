package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/postflight/postflight/internal/nettest"
)

// comparisonOutput is what the tests read of compare --format json.
type comparisonOutput struct {
	Status   string
	Reason   string
	Baseline struct {
		URL                           string
		Requests, Successes, Failures int
	}
	Canary struct {
		URL                           string
		Requests, Successes, Failures int
	}
	Comparison *struct {
		Verdict      string
		MinSamples   int `json:"min_samples"`
		LatencyShift struct {
			P                float64
			Shift, Low, High int64 `json:"-"`
			ShiftNs          int64 `json:"shift_ns"`
			LowNs            int64 `json:"low_ns"`
			HighNs           int64 `json:"high_ns"`
			Verdict          string
		} `json:"latency_shift"`
		P99 struct {
			Measured bool
			DiffNs   int64 `json:"diff_ns"`
			Verdict  string
		}
		ErrorRate struct {
			Baseline, Canary, P float64
			Verdict             string
		} `json:"error_rate"`
	}
	Parts []struct{ Name, Status, Observed string }
}

func compareJSON(t *testing.T, args ...string) (comparisonOutput, result) {
	t.Helper()
	r := runBin(t, append([]string{"compare", "--format", "json", "--rate", "100/s", "--warmup", "300ms", "--rate-tolerance", "50%"}, args...)...)
	var out comparisonOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("exit %d, stdout not JSON: %v\n%s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	t.Logf("exit %d: %s: %s", r.code, out.Status, out.Reason)
	return out, r
}

func TestCompareCommandExitsByVerdict(t *testing.T) {
	base := nettest.Service(t, 20*time.Millisecond, 0)

	// Two instances of the same service, one a side. The tolerance is 50%: on a machine
	// shared with other work, the p99 of a few hundred requests moves by
	// tens of milliseconds from one sample to the next, and within 5% it
	// would be undecided (inconclusive) as often as not.
	again := nettest.Service(t, 20*time.Millisecond, 0)
	out, r := compareJSON(t, "--baseline", base, "--canary", again, "--path", "/items", "--duration", "3s", "--tolerance", "50%")
	if r.code != 0 || out.Status != "pass" || out.Comparison == nil || out.Comparison.Verdict != "not worse" {
		t.Errorf("the same service: exit %d, %s: %s; want 0, not worse", r.code, out.Status, out.Reason)
	}
	if out.Baseline.URL != base+"/items" || out.Baseline.Requests < 250 || out.Canary.Successes < 250 || len(out.Parts) != 3 {
		t.Errorf("the same service: baseline %+v, canary %+v, %d parts", out.Baseline, out.Canary, len(out.Parts))
	}
	if !strings.Contains(r.stderr, "compare: GET /items at 100/s a side for 3s") {
		t.Errorf("stderr %q: want the progress of the load", r.stderr)
	}

	// A canary 20% slower.
	out, r = compareJSON(t, "--baseline", base, "--canary", nettest.Service(t, 24*time.Millisecond, 0), "--duration", "3s")
	if r.code != 1 || out.Status != "fail" || out.Comparison == nil || out.Comparison.LatencyShift.Verdict != "worse" {
		t.Fatalf("+20%%: exit %d, %s: %s; want 1, worse by the latency shift", r.code, out.Status, out.Reason)
	}
	l := out.Comparison.LatencyShift
	if l.P >= 0.01 || l.ShiftNs < int64(2*time.Millisecond) || l.LowNs > int64(5*time.Millisecond) || l.HighNs < int64(3*time.Millisecond) || out.Canary.Successes < 200 {
		t.Errorf("+20%%: shift %v [%v..%v], p %v, %d canary successes; want an interval within 1ms of +4ms, significant, n >= 200",
			time.Duration(l.ShiftNs), time.Duration(l.LowNs), time.Duration(l.HighNs), l.P, out.Canary.Successes)
	}

	// A canary down.
	out, r = compareJSON(t, "--baseline", base, "--canary", nettest.RefusedURL(t), "--duration", "1s")
	if r.code != 4 || out.Status != "inconclusive" || out.Comparison != nil || !strings.Contains(out.Reason, "canary: no request got an answer") {
		t.Errorf("canary down: exit %d, %s: %s; want 4, inconclusive", r.code, out.Status, out.Reason)
	}
}

func TestCompareCommandCatchesAShareOfFailuresInText(t *testing.T) {
	r := runBin(t, "compare", "--baseline", nettest.Service(t, 5*time.Millisecond, 0), "--canary", nettest.Service(t, 5*time.Millisecond, 20),
		"--rate", "100/s", "--duration", "3s", "--warmup", "0s", "--rate-tolerance", "50%")
	t.Logf("exit %d\n%s", r.code, r.stdout)
	for _, want := range []string{"FAIL          error rate", "FAIL: canary worse: ", "error rate significant", "status 500", "Fisher one-sided p < 0.0001"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
}

// Answers judged wrong on both sides (--expect-status the services never
// give) leave no latency to compare and no difference in errors: never a
// pass.
func TestCompareCommandWithEveryAnswerWrongIsInconclusive(t *testing.T) {
	out, r := compareJSON(t, "--baseline", nettest.Service(t, 0, 0), "--canary", nettest.Service(t, 0, 0), "--duration", "1s",
		"--expect-status", "201", "--header", "X-Probe: compare")
	if r.code != 4 || out.Status != "inconclusive" || !strings.Contains(out.Reason, "no baseline or canary data") || out.Canary.Failures < 90 {
		t.Errorf("exit %d, %s: %s, canary %+v; want 4, no data on either side", r.code, out.Status, out.Reason, out.Canary)
	}
}

func TestCompareCommandUsage(t *testing.T) {
	up, up2 := nettest.Service(t, 0, 0), nettest.Service(t, 0, 0)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--canary", up}, "--baseline: required"},
		{[]string{"--baseline", up, "--canary", "ftp://x"}, `--canary: expected an absolute http or https URL, got "ftp://x"`},
		{[]string{"--baseline", up, "--canary", up}, "--canary: the baseline's URL too"},
		{[]string{"--baseline", up, "--canary", up2, "--rate", "5"}, `--rate: rate "5" has no unit`},
		{[]string{"--baseline", up, "--canary", up2, "--significance", "50%"}, "--significance: expected a percentage above 0% and below 50%"},
		{[]string{"--baseline", up, "--canary", up2, "--rate", "1/s", "--duration", "5s"}, "--min-samples: 20 successes a side cannot come from 5s at 1/s"},
		{[]string{"--baseline", up, "--canary", up2, "--format", "yaml"}, `--format: expected text or json, got "yaml"`},
		{[]string{"--baseline", up, "--canary", up2, "--path", "items"}, `--path: expected a path starting with "/"`},
		{[]string{"--baseline", up, "--canary", up2, "--header", "no colon"}, `--header: expected "Name: value", got "no colon"`},
		{[]string{"--baseline", up, "--canary", up2, "--expect-status", "99"}, "--expect-status: expected 100 to 599, got 99"},
	} {
		r := runBin(t, append([]string{"compare"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	r := runBin(t, "compare", "--help")
	for _, want := range []string{"Examples:", "--baseline", "--canary", "Mann-Whitney", "Hodges-Lehmann", "Fisher", "1    worse", "4    inconclusive"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("compare --help (exit %d) lacks %q", r.code, want)
		}
	}
	for _, cmd := range []string{"run", "validate"} {
		if r := runBin(t, cmd, "--help"); !strings.Contains(r.stdout, "kind: compare") || !strings.Contains(r.stdout, "baseline_url") {
			t.Errorf("%s --help does not teach the compare kind", cmd)
		}
	}
}

func TestCompareCommandInterruptedExits130(t *testing.T) {
	var stdout bytes.Buffer
	cmd := exec.Command(bin, "compare", "--baseline", nettest.Service(t, 0, 0), "--canary", nettest.Service(t, 0, 0), "--duration", "30s")
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	began := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || time.Since(began) > 5*time.Second {
		t.Errorf("exit %d after %v; want 130 at once", code, time.Since(began))
	}
	if !strings.Contains(stdout.String(), "INCONCLUSIVE: could not measure: interrupted") {
		t.Errorf("stdout %q: want the interruption said", stdout.String())
	}
}

// A compare check of a service is valid (a canary rollout runs it), and
// validate says that run refuses it; run does, before sending anything.
func TestValidateNotesACompareCheckRunRefuses(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	os.WriteFile(path, []byte(`version: 1
stack:
  existing:
    services:
      api: {url: "`+srv.URL+`"}
checks:
  - {name: vs-stable, kind: compare, service: api, compare: {rate: 10/s, duration: 5s}}
`), 0o644)
	v := runBin(t, "validate", "-f", path)
	if v.code != 0 || !strings.Contains(v.stderr, "note: run refuses checks[0] (vs-stable): a compare check of a service needs a canary rollout's stable version") {
		t.Errorf("validate: exit %d, stderr %q", v.code, v.stderr)
	}
	r := runBin(t, "run", "-f", path)
	if r.code != 2 || !strings.Contains(r.stderr, `a compare check of service "api" needs the stable version beside it`) || hits.Load() != 0 {
		t.Errorf("run: exit %d, stderr %q, %d requests sent; want 2 before anything is sent", r.code, r.stderr, hits.Load())
	}
}
