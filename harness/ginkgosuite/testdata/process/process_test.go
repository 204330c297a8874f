// Package process is a Ginkgo suite that misbehaves as its environment says:
//
//	PROCESS_PIDS=FILE  the suite writes its pid and its child's to FILE
//	PROCESS_HANG=1     hang before Ginkgo starts
//	PROCESS_EXIT=1     exit before Ginkgo starts
//
// Without PROCESS_HANG and PROCESS_EXIT its one spec sleeps an hour,
// ignoring any interruption.
package process

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv("PROCESS_EXIT") != "":
		fmt.Println("giving up before the specs")
		os.Exit(3)
	case os.Getenv("PROCESS_HANG") != "":
		startChild()
		time.Sleep(time.Hour)
	}
	os.Exit(m.Run())
}

// startChild starts a process that outlives the suite unless its group is
// killed, and writes both pids to $PROCESS_PIDS.
func startChild() {
	child := exec.Command("sleep", "300")
	if err := child.Start(); err != nil {
		panic(err)
	}
	pids := fmt.Sprintf("%d %d\n", os.Getpid(), child.Process.Pid)
	if err := os.WriteFile(os.Getenv("PROCESS_PIDS"), []byte(pids), 0o644); err != nil {
		panic(err)
	}
}

func TestProcess(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "process")
}

var _ = It("sleeps past the timeout", func() {
	startChild()
	time.Sleep(time.Hour)
	Expect(true).To(BeTrue())
})
