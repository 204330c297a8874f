// Package broken is a Ginkgo suite that does not compile.
package broken

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestBroken(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "broken")
}

var _ = It("never runs", func() {
	Expect(undefinedThing).To(BeNil())
})
