// Package mixed is a Ginkgo suite with a spec of every outcome.
package mixed

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestMixed(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "mixed")
}

var _ = Describe("the store", func() {
	It("passes", func() {
		Expect(true).To(BeTrue())
	})
	It("fails", Label("bad"), func() {
		Expect(40+1).To(Equal(42), "the answer") // failure here
	})
	It("panics", func() {
		var m map[string]int
		m["x"] = 1 // panic here
	})
	It("skips itself", func() {
		Skip("nothing to do here")
	})
	PIt("is pending", func() {})
})
