// Package plaintest is a Ginkgo suite whose specs pass, beside a plain Go
// test of the same package that fails: the binary exits 1.
package plaintest

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "plaintest")
}

func TestPlain(t *testing.T) {
	t.Fatal("the service answered 500")
}

var _ = It("passes", func() {
	Expect(42).To(Equal(42))
})
