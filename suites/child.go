package suites

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/postflight/postflight/harness/result"
)

// RunPhaseIfRequested runs the phase named in the environment and exits,
// when this process was started as a phase runner; otherwise it returns at
// once. Call it first thing in main (and in TestMain of tests that call
// harness.Run).
//
// A phase runner is started with no arguments. A process given arguments is
// the command they name even with the variable in its environment (left
// over from a parent, exported by a script): taken for a phase, `postflight
// run` would run no check and exit 0. The stray variable is dropped so that
// it reaches none of the command's own children either.
func RunPhaseIfRequested() {
	path := os.Getenv(EnvPhaseRequest)
	if path == "" {
		return
	}
	if len(os.Args) > 1 {
		os.Unsetenv(EnvPhaseRequest)
		return
	}
	os.Exit(runPhase(path))
}

func runPhase(path string) int {
	var req PhaseRequest
	res := PhaseResult{}
	write := func() int {
		b, _ := json.Marshal(res)
		if err := os.WriteFile(path+".out", b, 0o600); err != nil {
			fmt.Fprintf(os.Stderr, "postflight: write phase result: %v\n", err)
			return 3
		}
		return 0
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		res.Error = fmt.Sprintf("read phase request: %v", err)
		return write()
	}

	rec := &recorder{}
	RegisterChecks(req, rec.add, func(line string) {
		fmt.Fprintf(os.Stderr, "%s%s\n", progressMarker, line)
	})
	suiteCfg, reporterCfg := phaseConfig(req)
	ginkgo.RunSpecs(failer{}, "postflight "+req.Phase, suiteCfg, reporterCfg)
	res.Results = rec.results
	return write()
}

// phaseConfig is how a phase's suite runs.
func phaseConfig(req PhaseRequest) (types.SuiteConfig, types.ReporterConfig) {
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	// Only the phase's own specs run, also in a binary (a test binary, a
	// user's program) that declares Ginkgo specs of its own.
	suiteCfg.LabelFilter = phaseLabel
	if req.LabelFilter != "" {
		suiteCfg.LabelFilter += " && (" + req.LabelFilter + ")"
	}
	suiteCfg.RandomizeAllSpecs = false
	// The phase ends with its checks, or when the parent interrupts it:
	// Ginkgo's own deadline (an hour) would cut a long load check short.
	suiteCfg.Timeout = 0
	reporterCfg.Succinct = true
	reporterCfg.NoColor = true
	return suiteCfg, reporterCfg
}

// recorder keeps the results of specs as they run; a phase's specs run one
// after the other.
type recorder struct{ results []result.Result }

func (r *recorder) add(res result.Result) { r.results = append(r.results, res) }

// failer is the GinkgoTestingT of a phase process: failures are in the
// results, so it only needs to exist.
type failer struct{}

func (failer) Fail() {}

var _ ginkgo.GinkgoTestingT = (*failer)(nil)
