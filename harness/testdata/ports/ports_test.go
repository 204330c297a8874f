// Package ports is a Ginkgo suite that reaches the demo's writer through
// the URL of its container port, POSTFLIGHT_URL_WRITER_8080, as well as
// through its first port's.
package ports

import (
	"net/http"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/postflight/postflight/suites"
)

func TestPorts(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ports")
}

var _ = It("has the writer's URL by its container port", func() {
	Expect(suites.URLPort("writer", 8080)).To(Equal(suites.URL("writer")), suites.URLEnvName("writer", 8080))
	resp, err := http.Get(suites.URLPort("writer", 8080) + "/healthz")
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
})
