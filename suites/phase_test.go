package suites_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/suites"
)

// Phases run in a child process of this test binary.
func TestMain(m *testing.M) {
	suites.RunPhaseIfRequested()
	os.Exit(m.Run())
}

// kvServer stores PUT bodies and serves them back.
func kvServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	kv := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			kv[r.URL.Path] = string(b)
		default:
			v, ok := kv[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintf(w, `{"value":%q}`, v)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPhaseRunsChecksAsSpecsInPlanOrder(t *testing.T) {
	srv := kvServer(t)
	checks := []plan.Check{
		{Name: "write", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Method: "PUT", Path: "/k", Body: "v1"}},
		{Name: "read", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/k"}, Expect: plan.HTTPExpect{JSON: map[string]string{"$.value": "v1"}}},
		{Name: "wrong", Kind: "http", Service: "kv", Request: plan.HTTPRequest{Path: "/k"}, Expect: plan.HTTPExpect{JSON: map[string]string{"$.value": "v2"}}},
		{Name: "down", Kind: "http", URL: nettest.RefusedURL(t)},
	}
	req := suites.PhaseRequest{Phase: suites.PhaseCheck, Checks: checks,
		Endpoints: map[string]string{suites.EndpointKey("kv", 0): srv.URL}}
	var out strings.Builder
	results, err := suites.Runner{Output: &out}.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("phase: %v\n%s", err, out.String())
	}
	want := []struct {
		name   string
		status slo.Status
	}{{"write", slo.Pass}, {"read", slo.Pass}, {"wrong", slo.Fail}, {"down", slo.Inconclusive}}
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d:\n%s", len(results), len(want), out.String())
	}
	for i, w := range want {
		if results[i].Name != w.name || results[i].Status != w.status || results[i].Phase != "check" {
			t.Errorf("result %d: %s %s (%s), want %s %s", i, results[i].Name, results[i].Status, results[i].Reason, w.name, w.status)
		}
	}
	// The Ginkgo output shows the specs with their labels.
	for _, s := range []string{"http, phase:check]", "2 Passed", "1 Failed", "inconclusive: could not measure"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("ginkgo output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestPhaseLabelFilterSelectsSpecs(t *testing.T) {
	srv := kvServer(t)
	req := suites.PhaseRequest{Phase: suites.PhaseVerify,
		Checks:      []plan.Check{{Name: "a", Kind: "http", URL: srv.URL + "/missing", Expect: plan.HTTPExpect{Status: 404}}},
		LabelFilter: "phase:check"}
	results, err := suites.Runner{}.Run(context.Background(), req)
	if err != nil || len(results) != 0 {
		t.Fatalf("filter phase:check on a verify phase ran %d spec(s), err %v", len(results), err)
	}
	req.LabelFilter = "http && phase:verify"
	results, err = suites.Runner{}.Run(context.Background(), req)
	if err != nil || len(results) != 1 || results[0].Status != slo.Pass {
		t.Fatalf("filter http && phase:verify: %+v, err %v", results, err)
	}
}

func TestPhaseThatCannotRunIsAnError(t *testing.T) {
	req := suites.PhaseRequest{Phase: suites.PhaseCheck, Checks: []plan.Check{{Name: "a", Kind: "http", URL: "http://127.0.0.1:1/"}}}
	if _, err := (suites.Runner{Executable: "/bin/true"}).Run(context.Background(), req); err == nil || !strings.Contains(err.Error(), "wrote no result") {
		t.Errorf("a child that wrote nothing: err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (suites.Runner{}).Run(ctx, req); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("an interrupted phase: err %v", err)
	}
}

// TestUserSuite is the pattern users follow for specs of their own: the
// same check helpers, inside an ordinary Ginkgo suite.
func TestUserSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "user specs")
}

var _ = Describe("a user's own specs", Label("http"), func() {
	var srv *httptest.Server
	BeforeEach(func() {
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"status":"ok"}`)
		}))
		DeferCleanup(srv.Close)
	})

	It("checks a service with the built-in http check", func(ctx SpecContext) {
		r := suites.Run(ctx, plan.Check{Name: "health", Kind: "http", URL: srv.URL,
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.status": "ok"}}}, suites.PhaseCheck, nil)
		Expect(r).To(suites.Pass())
	})

	It("explains a failing check in the matcher's message", func(ctx SpecContext) {
		r := suites.Run(ctx, plan.Check{Name: "health", Kind: "http", URL: srv.URL,
			Expect: plan.HTTPExpect{JSON: map[string]string{"$.status": "down"}}}, suites.PhaseCheck, nil)
		Expect(r).To(suites.HaveStatus(slo.Fail))
		msg := suites.Pass().FailureMessage(r)
		Expect(msg).To(ContainSubstring(`json $.status is "ok", want "down"`))
		Expect(msg).To(ContainSubstring("observed: status 200"))
	})
})
