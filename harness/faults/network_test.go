package faults_test

import (
	"fmt"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/slo"
)

// healthCheck is the function check the network faults are run against.
const healthCheck = `  - name: health
    kind: http
    service: web
    request: {path: /healthz}
    expect: {status: 200, json: {"$.status": ok}}
    timeout: 300ms
`

// propagationCheck writes tokens to write and polls read for them, 4 at a
// time; a sample that never shows counts as its timeout, 500ms.
func propagationCheck(name, write, read string) string {
	return fmt.Sprintf(`  - name: %s
    kind: propagation
    service: web
    timeout: 300ms
    propagation:
      write: {service: web, method: PUT, path: %q, body: "{token}"}
      reads: [{service: web, path: %q}]
      field: $.value
      samples: 8
      timeout: 500ms
    budgets:
      propagation: {p50: 200ms}
`, name, write, read)
}

// loadCheck is a load check of 100 requests on path, 50/s for 2s, with
// the given budgets.
func loadCheck(path, timeout, budgets string) string {
	return fmt.Sprintf(`  - name: load
    kind: load
    service: web
    timeout: %s
    load:
      rate: 50/s
      duration: 2s
      rate_tolerance: 25%%    # the matrix judges faults, not a busy machine's generator
      targets: [{path: %s}]
    budgets:
%s`, timeout, path, budgets)
}

const (
	latencyAndErrors = "      latency: {p50: 100ms, p99: 250ms}\n      error_rate: 5%\n"
	latencyOnly      = "      latency: {p50: 100ms, p99: 250ms}\n"
)

// The network faults, injected with toxiproxy between postflight and the
// service. No answer at all is inconclusive; wrong or partial answers fail;
// a fault the service survives passes.
func TestNetworkFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the fault matrix; skipped in -short mode")
	}
	every := healthCheck + loadCheck("/healthz", "300ms", latencyAndErrors) + propagationCheck("propagation", "/kv/{token}", "/kv/{token}")
	tests := []struct {
		name   string
		checks string
		fault  func(t *testing.T, p *toxiproxy.Proxy, s *service)
		want   map[string]want
	}{
		{
			name: "target down: connections refused", checks: every,
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) { p.Stop() },
			want: map[string]want{
				"health":      {slo.Inconclusive, report.Inconclusive, []string{"refused"}},
				"load":        {slo.Inconclusive, report.Inconclusive, []string{"refused"}},
				"propagation": {slo.Inconclusive, report.Inconclusive, []string{"refused"}},
			},
		},
		{
			name: "every connection reset", checks: every,
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				toxic{Type: "reset_peer", Stream: "upstream", Attributes: map[string]any{"timeout": 0}}.add(t, p)
			},
			want: map[string]want{
				"health":      {slo.Inconclusive, report.Inconclusive, []string{"reset", "EOF"}},
				"load":        {slo.Inconclusive, report.Inconclusive, []string{"reset", "EOF"}},
				"propagation": {slo.Inconclusive, report.Inconclusive, []string{"reset", "EOF"}},
			},
		},
		{
			name: "answers later than the check timeout", checks: every,
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				toxic{Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": 1000}}.add(t, p)
			},
			want: map[string]want{
				"health":      {slo.Inconclusive, report.Inconclusive, []string{"timeout", "timed out", "deadline"}},
				"load":        {slo.Inconclusive, report.Inconclusive, []string{"timeout", "timed out", "deadline"}},
				"propagation": {slo.Inconclusive, report.Inconclusive, []string{"timeout", "timed out", "deadline"}},
			},
		},
		{
			name: "answers sliced into small writes: survived", checks: every,
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				toxic{Type: "slicer", Stream: "downstream", Attributes: map[string]any{"average_size": 16, "size_variation": 8, "delay": 100}}.add(t, p)
			},
			want: map[string]want{
				"health":      {slo.Pass, report.Passed, nil},
				"load":        {slo.Pass, report.Passed, nil},
				"propagation": {slo.Pass, report.Passed, nil},
			},
		},
		{
			name: "answers cut short mid-body", checks: loadCheck("/big", "1s", latencyAndErrors) +
				"  - {name: big, kind: http, service: web, request: {path: /big}, expect: {json: {$.status: ok}}, timeout: 1s}\n",
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				// Each connection closes after 4 KiB: the headers and a
				// quarter of the 16 KiB body.
				toxic{Type: "limit_data", Stream: "downstream", Attributes: map[string]any{"bytes": 4096}}.add(t, p)
			},
			want: map[string]want{
				"load": {slo.Inconclusive, report.Inconclusive, []string{"EOF", "reset"}},
				"big":  {slo.Inconclusive, report.Inconclusive, []string{"EOF", "reset"}},
			},
		},
		{
			name: "answers trickle past the timeout after prompt headers", checks: loadCheck("/big", "1s", latencyAndErrors) +
				"  - {name: big, kind: http, service: web, request: {path: /big}, expect: {json: {$.status: ok}}, timeout: 1s}\n",
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				// 1 KB/s: the headers in a fraction of a second, the 16 KiB
				// body in 16s.
				toxic{Type: "bandwidth", Stream: "downstream", Attributes: map[string]any{"rate": 1}}.add(t, p)
			},
			want: map[string]want{
				"load": {slo.Inconclusive, report.Inconclusive, []string{"timeout", "timed out"}},
				"big":  {slo.Inconclusive, report.Inconclusive, []string{"timeout", "timed out"}},
			},
		},
		{
			name: "bandwidth makes whole answers slower than the budget", checks: loadCheck("/big", "3s", latencyAndErrors),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				// 64 KB/s per connection: about 250ms for the 16 KiB answer.
				toxic{Type: "bandwidth", Stream: "downstream", Attributes: map[string]any{"rate": 64}}.add(t, p)
			},
			want: map[string]want{"load": {slo.Fail, report.Failed, []string{"latency"}}},
		},
		{
			name: "half the connections reset: an error rate", checks: loadCheck("/healthz", "300ms", latencyAndErrors),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				// A toxic's toxicity is per connection: one request per
				// connection makes it per request.
				s.srv.Config.SetKeepAlivesEnabled(false)
				toxic{Type: "reset_peer", Stream: "upstream", Toxicity: 0.5, Attributes: map[string]any{"timeout": 0}}.add(t, p)
			},
			want: map[string]want{"load": {slo.Fail, report.Failed, []string{"error rate"}}},
		},
		{
			name: "half the answers later than the timeout, latency budgets only", checks: loadCheck("/healthz", "300ms", latencyOnly),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				s.srv.Config.SetKeepAlivesEnabled(false)
				toxic{Type: "latency", Stream: "downstream", Toxicity: 0.5, Attributes: map[string]any{"latency": 1000}}.add(t, p)
			},
			want: map[string]want{"load": {slo.Fail, report.Failed, []string{"timeout"}}},
		},
		{
			name: "half the writes reset", checks: propagationCheck("propagation", "/kv/{token}", "/kv/{token}"),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {
				s.srv.Config.SetKeepAlivesEnabled(false)
				toxic{Type: "reset_peer", Stream: "upstream", Toxicity: 0.5, Attributes: map[string]any{"timeout": 0}}.add(t, p)
			},
			want: map[string]want{"propagation": {slo.Fail, report.Failed, []string{"reset"}}},
		},
		{
			name: "service killed mid-load", checks: loadCheck("/healthz", "300ms", latencyAndErrors),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) { s.after(30, p.Stop) },
			want:  map[string]want{"load": {slo.Fail, report.Failed, []string{"refused", "reset", "EOF"}}},
		},
		{
			name: "every answer 503, with latency budgets only", checks: loadCheck("/unavailable", "300ms", latencyOnly) +
				"  - {name: unavailable, kind: http, service: web, request: {path: /unavailable}, timeout: 300ms}\n",
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {},
			want: map[string]want{
				"load":        {slo.Fail, report.Failed, []string{"503"}},
				"unavailable": {slo.Fail, report.Failed, []string{"503"}},
			},
		},
		{
			name: "writes rejected, and tokens that never show",
			checks: propagationCheck("writes-rejected", "/unavailable", "/kv/{token}") +
				propagationCheck("never-shown", "/kv/{token}", "/kv/elsewhere-{token}"),
			fault: func(t *testing.T, p *toxiproxy.Proxy, s *service) {},
			want: map[string]want{
				"writes-rejected": {slo.Fail, report.Failed, []string{"405"}},
				"never-shown":     {slo.Fail, report.Failed, []string{"never", "timed out", "timeout"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startService(t)
			p := newProxy(t, s.addr())
			pl := existingPlan(t, "http://"+p.Listen, tt.checks)
			tt.fault(t, p, s)
			rep := run(t, pl, harness.Options{})
			for name, w := range tt.want {
				w.assert(t, rep, name)
			}
		})
	}
}
