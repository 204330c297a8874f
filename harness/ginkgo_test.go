package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/slo"
)

// The demo's own Ginkgo suite catches what no built-in check does: 1.5.0
// answers 200 to a delete and keeps the key. Its failing spec fails the
// run, which rolls back to 1.0.0 and verifies it.
func TestRunDemoSuiteCatchesWhatOnlyItCovers(t *testing.T) {
	cli := needDocker(t)
	rep, err := harness.Run(context.Background(), loadPlan(t, demoPlan), harness.Options{
		NewImage: "postflight-demo:1.5.0", OldImage: "postflight-demo:1.0.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.RolledBack || rep.ExitCode != 3 {
		t.Fatalf("outcome %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Summary)
	}
	for _, c := range rep.Checks {
		want := slo.Pass
		if c.Name == "e2e" {
			want = slo.Fail
		}
		if c.Status != want {
			t.Errorf("check %s: %s (%s), want %s", c.Name, c.Status, c.Reason, want)
		}
		if c.Name != "e2e" {
			continue
		}
		if !strings.Contains(c.Reason, "1 spec(s) failed") || !strings.Contains(c.Reason, "forgets a deleted key") || !strings.Contains(c.Reason, "at kv_test.go:") {
			t.Errorf("e2e reason %q: want the failed spec with its location", c.Reason)
		}
		var passed, failed int
		for _, p := range c.Parts {
			switch p.Status {
			case slo.Pass:
				passed++
			case slo.Fail:
				failed++
			}
		}
		if failed != 1 || passed < 3 {
			t.Errorf("e2e specs: %d passed, %d failed, want the delete spec alone failed: %+v", passed, failed, c.Parts)
		}
	}
	if rb := rep.Rollback; rb == nil || rb.VerifyVerdict == nil || rb.VerifyVerdict.Status != slo.Pass {
		t.Errorf("rollback not verified: %+v", rb)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A suite that does not compile measured nothing: inconclusive, with the
// compiler's words, never a pass.
func TestRunGinkgoSuiteThatDoesNotBuildIsInconclusive(t *testing.T) {
	broken, err := filepath.Abs("ginkgosuite/testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	path := writeToyPlan(t, fmt.Sprintf("  - {name: suite, kind: ginkgo, ginkgo: {package: %q}}\n", broken))
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Checks[0]
	if rep.Outcome != report.Inconclusive || c.Status != slo.Inconclusive || !strings.Contains(c.Reason, "does not build") {
		t.Fatalf("outcome %s, check %s: %s", rep.Outcome, c.Status, c.Reason)
	}
}

// A plan naming a suite that is not there is refused before anything runs.
func TestGinkgoCheckNamingNoSuiteIsAPlanError(t *testing.T) {
	for check, want := range map[string]string{
		"  - {name: s, kind: ginkgo, ginkgo: {package: nowhere}}\n":             `ginkgo.package: "nowhere" does not exist`,
		"  - {name: s, kind: ginkgo, ginkgo: {}}\n":                             "name the suite",
		"  - {name: s, kind: ginkgo, ginkgo: {package: ., binary: ./x}}\n":      "not both",
		"  - {name: s, kind: ginkgo, ginkgo: {package: ., services: [nope]}}\n": "nope",
		"  - {name: s, kind: ginkgo}\n":                                         `missing required field "ginkgo"`,
	} {
		path := writeToyPlan(t, check)
		if _, err := plan.Load(path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path+":") {
			t.Errorf("%s: err %v, want %q at its line", strings.TrimSpace(check), err, want)
		}
	}
}

// A suite reads a service's URL by its container port, as package suites
// says it may (POSTFLIGHT_URL_WRITER_8080), not only by its first port's.
func TestRunGinkgoSuiteHasEveryPortsURL(t *testing.T) {
	cli := needDocker(t)
	compose, err := filepath.Abs("../fixtures/demo/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	suite, err := filepath.Abs("testdata/ports")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	body := fmt.Sprintf(`version: 1
images: {new: "postflight-demo:1.0.0", old: "postflight-demo:1.0.0"}
stack:
  replica: {compose: %q, under_test: [writer], ready_timeout: 60s}
checks:
  - {name: ports, kind: ginkgo, ginkgo: {package: %q, services: [writer]}}
`, compose, suite)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Checks[0]; rep.Outcome != report.Passed || c.Status != slo.Pass {
		t.Errorf("outcome %s, check %s %s: %s", rep.Outcome, c.Name, c.Status, c.Reason)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
