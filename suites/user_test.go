package suites_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/suites"
)

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
