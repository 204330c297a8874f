package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/internal/nettest"
)

// imagePlan writes a plan of image checks (no stack is started for them).
func imagePlan(t *testing.T, checks, compose string) string {
	t.Helper()
	dir := t.TempDir()
	if compose != "" {
		os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644)
	}
	src := fmt.Sprintf("version: 1\nname: images\nstack:\n  existing:\n    services:\n      web: {url: %q}\nchecks:\n%s", nettest.RefusedURL(t), checks)
	path := filepath.Join(dir, "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The registry incident, through a plan: a layer of the rollback image is
// truncated in the registry's storage while its manifest still resolves.
func TestCheckImagesRegistryIntegrity(t *testing.T) {
	cli := dockertest.Client(t, "postflight-demo:1.0.0", "postflight-demo:1.1.0")
	reg := registrytest.Start(t)
	reg.Push(t, cli, "postflight-demo:1.0.0", "demo:1.0.0")
	reg.Push(t, cli, "postflight-demo:1.1.0", "demo:1.1.0")
	p := loadPlan(t, imagePlan(t, "  - {name: registry-integrity, kind: integrity}\n", ""))
	opts := harness.Options{NewImage: reg.Ref("demo:1.1.0"), OldImage: reg.Ref("demo:1.0.0")}

	rep, err := harness.CheckImages(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Passed {
		t.Fatalf("intact images: %s: %s", rep.Outcome, rep.Summary)
	}

	layer := reg.TruncateLastLayer(t, "demo:1.0.0")
	rep, err = harness.CheckImages(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Failed || !strings.Contains(rep.Checks[0].Reason, layer) {
		t.Fatalf("truncated layer: %s: %s; want failed naming %s", rep.Outcome, rep.Checks[0].Reason, layer)
	}

	reg.Stop()
	rep, err = harness.CheckImages(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Inconclusive || rep.ExitCode != 4 || !strings.Contains(rep.Checks[0].Reason, "could not verify") {
		t.Fatalf("registry down: %s (exit %d): %s", rep.Outcome, rep.ExitCode, rep.Checks[0].Reason)
	}
}

// The LightTag incident's first half, through a plan: a generated compose
// file deploys a mutable tag.
func TestCheckImagesFlagsMutableTags(t *testing.T) {
	compose := "services:\n  frontend:\n    image: registry.local/frontend:latest\n  api:\n    image: registry.local/api:1.4.2\n"
	p := loadPlan(t, imagePlan(t, "  - {name: tags, kind: provenance, provenance: {compose: compose.yaml}}\n", compose))
	rep, err := harness.CheckImages(context.Background(), p, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Failed || !strings.Contains(rep.Checks[0].Reason, "compose.yaml:3:") || !strings.Contains(rep.Checks[0].Reason, "frontend") {
		t.Fatalf("%s: %s; want failed naming frontend at compose.yaml:3", rep.Outcome, rep.Checks[0].Reason)
	}
	if strings.Contains(rep.Checks[0].Reason, "api:1.4.2") {
		t.Errorf("a pinned semver tag was flagged: %s", rep.Checks[0].Reason)
	}
}

func TestCheckImagesNeedsImageChecks(t *testing.T) {
	p, _ := existingPlan(t, nettest.RefusedURL(t), "hold", false)
	if _, err := harness.CheckImages(context.Background(), p, harness.Options{}); err == nil || !strings.Contains(err.Error(), "no provenance, integrity or hygiene check") {
		t.Errorf("err %v", err)
	}
}
