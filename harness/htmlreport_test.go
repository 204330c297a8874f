package harness_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
)

// A run with a load check writes report.html beside the other reports,
// with the load drawn from its buckets, and postflight.json carries the
// same buckets.
func TestRunWritesTheHTMLReportWithTheLoadDrawn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
	}))
	defer srv.Close()
	path := writeExistingPlan(t, srv.URL, "checks:\n  - name: under-load\n    kind: load\n    service: web\n"+
		"    load: {rate: 100/s, duration: 2s, targets: [{path: /}]}\n    budgets: {latency: {p50: 500ms}, error_rate: 5%}\n")
	dir := filepath.Join(t.TempDir(), "reports")
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{ReportDir: dir, History: filepath.Join(t.TempDir(), "history.db")})
	if err != nil || rep.Outcome != report.Passed {
		t.Fatalf("run: %v %+v", err, rep)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	var fromJSON report.Report
	if b, err := os.ReadFile(filepath.Join(dir, "postflight.json")); err != nil || json.Unmarshal(b, &fromJSON) != nil {
		t.Fatalf("postflight.json: %v", err)
	}
	l := fromJSON.Checks[0].Load
	if l == nil || l.Rate != 100 || len(l.Series.Buckets) != 30 || l.Latency == nil {
		t.Fatalf("postflight.json load: %+v", l)
	}
	withSuccesses := 0
	for _, b := range l.Series.Buckets {
		if b.OK > 0 {
			withSuccesses++
		}
	}
	points := 0
	for _, m := range regexp.MustCompile(`<polyline class="p50" data-points="(\d+)"`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[1])
		points += n
	}
	if points != withSuccesses || points < 25 {
		t.Errorf("p50 line of %d points for %d buckets with successes", points, withSuccesses)
	}
	for _, want := range []string{"PASSED", "under-load", "Latency over time", "Latency histogram", "asked 100/s", rep.RunID} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
