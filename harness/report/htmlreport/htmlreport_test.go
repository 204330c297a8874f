package htmlreport

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

func render(t testing.TB, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r, sampleComparisons()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The report of a 10-minute load at 5000/s (3 million requests) is about
// a hundred kB, not the requests: every plot is drawn from at most 600
// buckets and a few dozen histogram bins.
func TestReportOf3MillionRequestsStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("3 million synthetic requests")
	}
	r := sampleReport(3_000_000, 10*time.Minute)
	start := time.Now()
	page := render(t, r)
	took := time.Since(start)
	t.Logf("%d bytes, written in %s", len(page), took)
	if len(page) > 1<<20 {
		t.Errorf("report of 3M requests is %d bytes: want under 1 MiB", len(page))
	}
	points := 0
	for _, m := range regexp.MustCompile(`<polyline class="p50" data-points="(\d+)"`).FindAllStringSubmatch(page, -1) {
		points += atoi(t, m[1])
	}
	if points != 600 {
		t.Errorf("p50 line of %d points: want one per bucket, 600", points)
	}
}

// The page says the verdict first, every check with its numbers, and the
// run against its history; it loads nothing from anywhere.
func TestPageShowsTheVerdictFirstAndEveryCheck(t *testing.T) {
	r := sampleReport(30_000, time.Minute)
	page := html.UnescapeString(render(t, r))
	verdict := strings.Index(page, "ROLLED BACK")
	first := strings.Index(page, "writer-healthy")
	if verdict < 0 || first < 0 || verdict > first {
		t.Errorf("verdict at %d, first check at %d: want the verdict first", verdict, first)
	}
	for _, want := range []string{
		"<title>postflight demo: ROLLED BACK</title>", "exit 3",
		"kv-under-load", "p99 latency", "25.1ms", "≤ 20ms", "-5.1ms (-26%)", // observed against budget, margin
		"Latency over time", "Latency histogram", "Throughput", "Errors by cause", "status 503", "timeout",
		"Propagation delay", "eventlet", "0.20.0", "0.20.1", "not in the expected list", "3.0.15-1~deb12u1",
		"Rollback", "recreate writer with postflight-demo:1.0.0", "Run timeline", "stack down",
		"Against history", "regression", "no baseline", "+24.3%", "0.002",
		"forgets a deleted key",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:|//)`).FindString(page); m != "" {
		t.Errorf("page loads %s", m)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "<link") || strings.Contains(page, "@import") {
		t.Error("page runs a script or loads a stylesheet")
	}
}

// What a service answered reaches the page through a check's text: it is
// shown, never run.
func TestPageEscapesWhatTheServiceSaid(t *testing.T) {
	r := &report.Report{Name: "x", Outcome: report.Failed, Checks: []result.Result{{Name: `<img src=x onerror=alert(1)>`, Status: slo.Fail,
		Observed: `</style><script>alert(1)</script>`, Load: &result.Load{Window: time.Second, Series: result.Series{Width: time.Second,
			Buckets: []result.Bucket{{Requests: 1, Errors: []int{1}}}}, Causes: []result.Cause{{Reason: `<svg onload=alert(1)>`, Count: 1}}}}}}
	page := render(t, r)
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("page carries %q unescaped", bad)
		}
	}
}

// Without history comparisons, a load or a rollback, the page leaves
// their sections out rather than drawing them empty.
func TestPageLeavesOutWhatTheRunDidNotHave(t *testing.T) {
	r := &report.Report{Name: "small", Outcome: report.Passed, Summary: "PASSED",
		Checks: []result.Result{{Name: "ok", Kind: "http", Status: slo.Pass}}, Verdict: slo.Verdict{Status: slo.Pass}}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, absent := range []string{"Against history", "id=\"rollback\"", "<svg", "Run timeline"} {
		if strings.Contains(page, absent) {
			t.Errorf("page has %q", absent)
		}
	}
	if !strings.Contains(page, "PASSED") || !strings.Contains(page, `class="verdict pass"`) {
		t.Error("no passed verdict")
	}
}

func BenchmarkWrite3MillionRequests(b *testing.B) {
	r := sampleReport(3_000_000, 10*time.Minute)
	b.ResetTimer()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}

func atoi(t testing.TB, s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// Write draws the comparisons a compared run carries, and no history
// section for a run that was not compared.
func TestWriteShowsTheRunsOwnComparisons(t *testing.T) {
	r := sampleReport(30_000, time.Minute)
	var plain bytes.Buffer
	if err := Write(&plain, r); err != nil {
		t.Fatal(err)
	}
	reason := sampleComparisons()[0].Reason
	if strings.Contains(html.UnescapeString(plain.String()), reason) {
		t.Errorf("a run not compared with its history shows a comparison")
	}
	r.Regression = &report.Regression{History: "history.db", OnRegression: "warn", Comparisons: sampleComparisons()}
	var compared bytes.Buffer
	if err := Write(&compared, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.UnescapeString(compared.String()), reason) {
		t.Errorf("the page of a compared run lacks its regression %q", reason)
	}
}
