package imagecheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness/packages"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"
)

// buildBare builds a local image with a file and no package database.
func buildBare(t *testing.T, tag string) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY hello.txt /hello.txt\n"), 0o644)
	cmd := exec.Command("docker", "build", "-q", "-t", tag, "--label", "io.postflight.managed=true", dir)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", tag, err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", tag).Run() })
}

func TestPackagesCheck(t *testing.T) {
	dockertest.Client(t, "postflight-demo:1.0.0", "postflight-demo:1.4.0")
	buildBare(t, "postflight-bare:test")
	check := func(old, new string, expected ...string) plan.Check {
		c := plan.Check{Name: "packages", Kind: plan.KindPackages, Packages: &plan.PackagesSpec{Old: old, New: new}}
		for _, e := range expected {
			ex, err := packages.ParseExpectation(e)
			if err != nil {
				t.Fatal(err)
			}
			c.Packages.Expected = append(c.Packages.Expected, ex)
		}
		c.Packages.FailOn = []packages.Rule{packages.FailUnexpected, packages.FailRemoved, packages.FailDowngrade}
		return c
	}
	tests := []struct {
		name      string
		c         plan.Check
		want      slo.Status
		reasonHas string
	}{
		{"an undeclared upgrade fails, naming it", check("postflight-demo:1.0.0", "postflight-demo:1.4.0"), slo.Fail, "pypi eventlet 0.20.0 -> 0.20.1"},
		{"a declared upgrade passes", check("postflight-demo:1.0.0", "postflight-demo:1.4.0", "pypi:eventlet >=0.20.1"), slo.Pass, "every change is expected"},
		{"no package to compare is not a pass", check("postflight-bare:test", "postflight-bare:test"), slo.Inconclusive, "neither image has a package database"},
		{"an image that is not there", check("postflight-demo:1.0.0", "postflight-demo:0.0.0-missing"), slo.Inconclusive, "could not measure"},
		{"no old image given", check("", "postflight-demo:1.4.0"), slo.Inconclusive, "give both images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Packages(context.Background(), tt.c, "check", Env{})
			if r.Status != tt.want || !strings.Contains(r.Reason, tt.reasonHas) {
				t.Errorf("status %s, reason %q; want %s with %q", r.Status, r.Reason, tt.want, tt.reasonHas)
			}
			if r.Duration <= 0 {
				t.Error("no duration recorded")
			}
		})
	}
	// The report lists the changes, the one the policy does not allow with
	// why.
	r := Packages(context.Background(), tests[0].c, "check", Env{})
	if d := r.Packages; d == nil || len(d.Changes) != 1 || d.Changes[0].Name != "eventlet" || d.Changes[0].Change != "upgraded" ||
		d.Changes[0].Old != "0.20.0" || d.Changes[0].New != "0.20.1" || !strings.Contains(d.Changes[0].Violation, "not in the expected list") || d.Unchanged == 0 {
		t.Errorf("package diff for the report: %+v", d)
	}
}
