// Package setup is a Ginkgo suite whose BeforeSuite fails.
package setup

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSetup(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "setup")
}

var _ = BeforeSuite(func() {
	Fail("the stack is not there") // setup fails here
})

var _ = It("never runs", func() {
	Expect(true).To(BeTrue())
})
