package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// A canary that fails 5% of its requests passes its absolute budgets (a
// load check allowing 10% errors), and the comparison with its baseline
// catches it.
func TestACompareCheckCatchesWhatAbsoluteBudgetsPass(t *testing.T) {
	baseline, canary := nettest.Service(t, 5*time.Millisecond, 0), nettest.Service(t, 5*time.Millisecond, 20)
	path := writeExistingPlan(t, canary, fmt.Sprintf(`checks:
  - name: canary-budgets
    kind: load
    service: web
    load: {rate: 100/s, duration: 3s, targets: [{path: /items}], rate_tolerance: 50%%}
    budgets: {latency: {p50: 200ms}, error_rate: 10%%}
  - name: canary-vs-baseline
    kind: compare
    compare: {baseline_url: %q, canary_url: %q, path: /items, rate: 100/s, duration: 3s, rate_tolerance: 50%%}
policy: {fail_fast: false}
`, baseline, canary))
	dir := t.TempDir()
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{ReportDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		t.Logf("%s %s: %s | %s", c.Status, c.Name, c.Observed, c.Reason)
	}
	if rep.Outcome != report.Failed || len(rep.Checks) != 2 {
		t.Fatalf("outcome %s: %s; want failed", rep.Outcome, rep.Summary)
	}
	if c := rep.Checks[0]; c.Status != slo.Pass {
		t.Errorf("the absolute budgets: %s: %s; want them passed by a 5%% error rate", c.Status, c.Reason)
	}
	c := rep.Checks[1]
	// The error rate decides; on a busy host the p99 may be found worse too.
	if c.Status != slo.Fail || !strings.Contains(c.Reason, "error rate significant and beyond the tolerance") || !strings.Contains(c.Reason, "errors 5") {
		t.Errorf("the comparison: %s: %s; want failed by the error rate", c.Status, c.Reason)
	}

	// The report keeps the comparison's aspects with their numbers.
	data, err := os.ReadFile(filepath.Join(dir, "postflight.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Checks []struct {
			Name  string
			Parts []struct{ Name, Status, Observed string }
		}
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	parts := got.Checks[1].Parts
	if len(parts) != 3 || parts[2].Name != "canary-vs-baseline: error rate" || parts[2].Status != "fail" || !strings.Contains(parts[2].Observed, "Fisher one-sided p") {
		t.Errorf("parts in the report: %+v", parts)
	}
}

// A run has no stable version beside the one it measures: a compare check
// of a service is refused before anything starts.
func TestARunRefusesACompareCheckOfAService(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	path := writeExistingPlan(t, srv.URL, `checks:
  - {name: health, kind: http, service: web}
  - {name: vs-stable, kind: compare, service: web, compare: {rate: 10/s, duration: 5s}}
`)
	_, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{})
	if err == nil || !strings.Contains(err.Error(), `checks[1] (vs-stable): a compare check of service "web" needs the stable version beside it`) {
		t.Errorf("err %v; want the compare check refused", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the service got %d requests from a run that was refused", hits.Load())
	}
}
