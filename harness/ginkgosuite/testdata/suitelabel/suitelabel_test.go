// Package suitelabel is a Ginkgo suite labelled as a whole, in RunSpecs:
// Ginkgo's label filter matches its specs by that label too.
package suitelabel

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSuiteLabel(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "suitelabel", Label("smoke"))
}

var _ = It("answers", func() {
	Expect(42).To(Equal(42))
})
