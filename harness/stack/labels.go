package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Labels postflight puts on every container and network it creates, so that
// a run's resources can be found and removed, also after the run was killed.
const (
	LabelManaged = "io.postflight.managed"
	LabelRun     = "io.postflight.run"
	LabelPlan    = "io.postflight.plan"
	LabelService = "io.postflight.service"
	// LabelOwner is "PID@HOST" of the process that runs the run, so that
	// cleanup can leave a live run alone.
	LabelOwner = "io.postflight.owner"
)

// runLabels are the labels of one run's resources. The plan is labelled by
// its absolute path: the same relative path in two checkouts is two plans.
func runLabels(runID, planPath string) map[string]string {
	if abs, err := filepath.Abs(planPath); err == nil {
		planPath = abs
	}
	return map[string]string{LabelManaged: "true", LabelRun: runID, LabelPlan: planPath, LabelOwner: owner()}
}

func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s", os.Getpid(), host)
}

// ownerAlive reports whether the process named by an owner label still runs
// on this host. An owner on another host, or unreadable, counts as alive:
// cleanup must not take a run out from under a process it cannot see.
func ownerAlive(label string) bool {
	pidText, host, ok := strings.Cut(label, "@")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil {
		return false // no owner recorded: nothing to protect
	}
	if me, _ := os.Hostname(); host != me {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
