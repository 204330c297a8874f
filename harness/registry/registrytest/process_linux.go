package registrytest

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills the registry when the test process dies, even when
// it is killed before its cleanups run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
