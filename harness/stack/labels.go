package stack

// Labels postflight puts on every container and network it creates, so that
// a run's resources can be found and removed, also after the run was killed.
const (
	LabelManaged = "io.postflight.managed"
	LabelRun     = "io.postflight.run"
	LabelPlan    = "io.postflight.plan"
	LabelService = "io.postflight.service"
)

// runLabels are the labels of one run's resources.
func runLabels(runID, planPath string) map[string]string {
	return map[string]string{LabelManaged: "true", LabelRun: runID, LabelPlan: planPath}
}
