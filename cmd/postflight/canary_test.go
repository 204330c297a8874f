package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeCanaryPlan writes the README's canary plan into a directory of the
// test's own and returns its path.
func readmeCanaryPlan(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "The plan's `canary` section")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	yaml, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no canary plan")
	}
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestREADMECanaryPlanIsValid(t *testing.T) {
	if r := runBin(t, "validate", "-f", readmeCanaryPlan(t)); r.code != 0 {
		t.Errorf("the README's canary plan does not validate: exit %d\n%s", r.code, r.stderr)
	}
}

func TestCanaryHelpAndStatusWithNothingJournaled(t *testing.T) {
	for _, args := range [][]string{{"canary", "--help"}, {"canary", "status", "--help"}} {
		if r := runBin(t, args...); r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%v: exit %d, output without examples:\n%s", args, r.code, r.stdout)
		}
	}
	r := runBin(t, "canary", "--help")
	for _, want := range []string{"--new", "--dry-run", "--report-dir", "S-canary", "decision journal", "resume|abort|promote", "3 aborted, rolled back and verified"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("canary --help lacks %q", want)
		}
	}
	plan := readmeCanaryPlan(t)
	r = runBin(t, "canary", "status", "-f", plan, "--format", "json")
	var st struct{ State, Journal string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.State != "none" || !strings.HasSuffix(st.Journal, "journal.jsonl") {
		t.Errorf("status of no rollout: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"canary", "abort", "-f", plan},
		{"canary", "status", "-f", plan, "--format", "yaml"},
		{"canary", "-f", "../../fixtures/demo/postflight.yaml", "--new", "x:1"}, // no canary section
	} {
		if r := runBin(t, args...); r.code != 2 || !strings.Contains(r.stderr, "postflight: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with the error", args, r.code, r.stderr)
		}
	}
}
