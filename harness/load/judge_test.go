package load

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// degraded answers 200 with a body whose status is "ok" or, every other
// request, "degraded".
func degraded(t *testing.T) string {
	var n atomic.Int64
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		status := "ok"
		if n.Add(1)%2 == 0 {
			status = "degraded"
		}
		fmt.Fprintf(w, `{"status":%q}`, status)
	}).URL
}

// wantOK is a Judge that expects a body containing "ok".
func wantOK(a Answer) (Reason, string) {
	if strings.Contains(string(a.Body), `"ok"`) {
		return "", ""
	}
	return "body is not ok", fmt.Sprintf("status %d, body %s", a.Status, a.Body)
}

func TestRunJudgesEveryAnswerByItsTargetsJudge(t *testing.T) {
	t.Parallel()
	url := degraded(t)
	res := run(t, t.Context(), Spec{
		Rate: 100, Duration: 500 * time.Millisecond, MaxBody: 1 << 10,
		Targets: []Target{{URL: url, Judge: wantOK}},
	}, nil)
	wrong := res.Errors["body is not ok"]
	if res.Requests == 0 || res.Answered != res.Requests || !within(float64(wrong), float64(res.Requests)/2, 2) {
		t.Errorf("requests = %d, answered = %d, errors = %v: want half the answers wrong", res.Requests, res.Answered, res.Errors)
	}
	if ex := res.ErrorExamples["body is not ok"]; ex != `status 200, body {"status":"degraded"}` {
		t.Errorf("example = %q", ex)
	}
	if len(res.Latencies) != res.Successes {
		t.Errorf("%d latencies for %d successes: wrong answers' latencies are not the service's", len(res.Latencies), res.Successes)
	}
	if !Reason("body is not ok").Answered() {
		t.Error("a judged reason is not Answered")
	}
}

func TestRunFindsTheJudgeOfTargetsSharingAURL(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fine") })
	never := func(Answer) (Reason, string) { return "judged by the second target", "" }
	res := run(t, t.Context(), Spec{
		Rate: 100, Duration: 500 * time.Millisecond,
		Targets: []Target{{URL: srv.URL + "/same", Weight: 3}, {URL: srv.URL + "/same", Judge: never}},
	}, nil)
	if got := res.Errors["judged by the second target"]; res.Requests == 0 || !within(float64(got), float64(res.Requests)/4, 2) {
		t.Errorf("requests = %d, errors = %v: want a quarter judged by the second target", res.Requests, res.Errors)
	}
}

func TestRunReadsNoMoreOfABodyThanMaxBody(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 1<<20)) })
	var longest atomic.Int64
	res := run(t, t.Context(), Spec{
		Rate: 50, Duration: 300 * time.Millisecond, MaxBody: 100,
		Targets: []Target{{URL: srv.URL, Judge: func(a Answer) (Reason, string) {
			raise(&longest, int64(len(a.Body)))
			return "", ""
		}}},
	}, nil)
	if res.Successes == 0 || longest.Load() != 100 {
		t.Errorf("%d successes; longest body judged %d bytes, want 100", res.Successes, longest.Load())
	}
}

func TestRunBoundsTheReasonsItCounts(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, n.Add(1)) })
	res := run(t, t.Context(), Spec{
		Rate: 100, Duration: 500 * time.Millisecond, MaxBody: 32,
		Targets: []Target{{URL: srv.URL, Judge: func(a Answer) (Reason, string) {
			return Reason("counter is " + string(a.Body)), string(a.Body)
		}}},
	}, nil)
	if len(res.Errors) != maxReasons+1 || res.Errors[ReasonOtherWrong] != res.Requests-maxReasons {
		t.Errorf("%d reasons for %d requests, other wrong answers x%d; want %d reasons", len(res.Errors), res.Requests, res.Errors[ReasonOtherWrong], maxReasons+1)
	}
	if len(res.ErrorExamples) != len(res.Errors) {
		t.Errorf("%d examples for %d reasons", len(res.ErrorExamples), len(res.Errors))
	}
}

func TestRunCutsLongReasons(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {})
	long := Reason(strings.Repeat("x", 10_000))
	res := run(t, t.Context(), Spec{
		Rate: 50, Duration: 200 * time.Millisecond,
		Targets: []Target{{URL: srv.URL, Judge: func(Answer) (Reason, string) { return long, "" }}},
	}, nil)
	for r, n := range res.Errors {
		if len(r) > maxReasonLen || n != res.Requests {
			t.Errorf("reason of %d bytes x%d for %d requests, want one of at most %d bytes for all", len(r), n, res.Requests, maxReasonLen)
		}
	}
}

func TestShortfallNamesAskedAndAchievedRates(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(100 * time.Millisecond) })
	res := run(t, t.Context(), Spec{
		Rate: 50, Duration: time.Second, MaxWorkers: 2,
		Targets: []Target{{URL: srv.URL}},
	}, nil)
	why, short := res.Shortfall(50, 0.05)
	t.Log(why)
	if !short || !strings.Contains(why, "of the 50/s asked") || !strings.Contains(why, "all 2 workers were busy") {
		t.Errorf("shortfall %v, %q: want short of 50/s, workers busy", short, why)
	}
	if res.Rate > 25 {
		t.Errorf("rate = %.1f, want at most 2 workers / 100ms = 20/s", res.Rate)
	}
}

func TestShortfallAllowsTheTolerance(t *testing.T) {
	for _, tc := range []struct {
		sent  int
		short bool
	}{
		{100, false}, {95, false}, {94, false}, // 95 - one request
		{93, true}, {50, true}, {0, true},
	} {
		r := &Result{Sent: tc.sent, Window: 2 * time.Second, Rate: float64(tc.sent) / 2}
		if why, short := r.Shortfall(50, 0.05); short != tc.short {
			t.Errorf("%d sent of 100: short = %v (%q), want %v", tc.sent, short, why, tc.short)
		}
	}
}
