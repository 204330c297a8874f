// Package dryrun is a Ginkgo suite that sets its own configuration to a dry
// run: Ginkgo then reports every spec as passed without running any.
package dryrun

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestDryRun(t *testing.T) {
	RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.DryRun = true
	RunSpecs(t, "dryrun", suiteConfig, reporterConfig)
}

var _ = It("would fail", func() {
	Expect(41).To(Equal(42))
})
