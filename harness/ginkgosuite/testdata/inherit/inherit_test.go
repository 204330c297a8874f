// Package inherit is a Ginkgo suite that finds no URL of a service it was
// not given, whatever the environment postflight runs in.
package inherit

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestInherit(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "inherit")
}

var _ = It("has the URL it was given and no other", func() {
	Expect(os.Getenv("POSTFLIGHT_URL_GIVEN")).To(Equal("http://stack"))
	Expect(os.Getenv("POSTFLIGHT_URL_PRODUCTION")).To(BeEmpty())
	Expect(os.Getenv("POSTFLIGHT_PHASE")).To(BeEmpty())
})
