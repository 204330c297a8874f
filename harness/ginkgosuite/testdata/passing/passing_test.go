// Package passing is a Ginkgo suite whose specs pass when the environment
// carries GREETING=hello.
package passing

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestPassing(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "passing")
}

var _ = Describe("arithmetic", Label("fast"), func() {
	It("adds", Label("math"), func() {
		Expect(1 + 1).To(Equal(2))
	})
})

var _ = Describe("the environment", func() {
	It("carries the greeting", func() {
		Expect(os.Getenv("GREETING")).To(Equal("hello"))
	})
})
