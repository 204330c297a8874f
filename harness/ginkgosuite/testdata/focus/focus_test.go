// Package focus is a Ginkgo suite with a focused spec left in: Ginkgo runs
// it alone and exits 197, its report otherwise without a failure.
package focus

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFocus(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "focus")
}

var _ = FIt("answers", func() {
	Expect(42).To(Equal(42))
})
