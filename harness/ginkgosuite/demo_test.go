package ginkgosuite_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

// The demo's own suite, run as postflight runs it against the demo stack,
// passes on the good version and names the spec that catches 1.5.0, whose
// DELETE answers 200 and keeps the key: none of the plan's http or load
// checks would.
func TestDemoSuitePassesOnTheGoodVersionAndCatchesTheDeleteThatKeepsTheKey(t *testing.T) {
	const deleteSpec = "the key-value service forgets a deleted key, on the reader too"
	cli := dockertest.Client(t, "postflight-demo:1.0.0", "postflight-demo:1.5.0")
	for _, tc := range []struct {
		image  string
		failed []string
	}{
		{"postflight-demo:1.0.0", nil},
		{"postflight-demo:1.5.0", []string{deleteSpec}},
	} {
		t.Run(tc.image, func(t *testing.T) {
			ctx := context.Background()
			runID := fmt.Sprintf("ginkgosuite-%d-%d", os.Getpid(), time.Now().UnixNano())
			replica := stack.NewReplica(stack.ReplicaConfig{
				RunID:        runID,
				PlanPath:     "../../fixtures/demo/postflight.yaml",
				Compose:      "../../fixtures/demo/compose.yaml",
				UnderTest:    []string{"writer", "reader"},
				Image:        tc.image,
				ReadyTimeout: time.Minute,
			})
			t.Cleanup(func() {
				if err := replica.Down(context.Background()); err != nil {
					t.Error(err)
				}
				if left := dockertest.Labelled(t, cli, stack.LabelRun, runID); len(left) > 0 {
					t.Errorf("left behind: %v", left)
				}
			})
			if err := replica.Up(ctx); err != nil {
				t.Fatal(err)
			}
			eps := map[string]string{}
			for _, svc := range []string{"writer", "reader"} {
				u, err := replica.BaseURL(svc, 0)
				if err != nil {
					t.Fatal(err)
				}
				eps[ginkgosuite.EndpointKey(svc, 0)] = u
			}
			env, err := ginkgosuite.SuiteEnv{RunID: runID, Phase: "check", NewImage: tc.image, Endpoints: eps}.Environ()
			if err != nil {
				t.Fatal(err)
			}

			out, err := ginkgosuite.Run(ctx, ginkgosuite.Suite{Package: "../../fixtures/demo/e2e", Timeout: 2 * time.Minute}, env)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.Output)
			}
			if len(out.Specs) != 5 {
				t.Errorf("%d specs, want the suite's 5: %+v", len(out.Specs), out.Specs)
			}
			for _, sp := range out.Specs {
				want := ginkgosuite.Passed
				for _, f := range tc.failed {
					if sp.Text == f {
						want = ginkgosuite.Failed
					}
				}
				if sp.Status != want {
					t.Errorf("%s: %s, want %s: %s at %s", sp.Text, sp.Status, want, sp.Message, sp.Location)
					if strings.Contains(sp.Message, "405") {
						t.Log("the image has no DELETE: rebuild the demo images (make images)")
					}
					continue
				}
				if want == ginkgosuite.Failed {
					if !strings.Contains(sp.Message, "GET after DELETE answered") || !strings.HasPrefix(sp.Location, "kv_test.go:") {
						t.Errorf("%s: message %q at %s", sp.Text, sp.Message, sp.Location)
					}
					t.Logf("%s: %s at %s: %s", tc.image, sp.Text, sp.Location, sp.Message)
				}
			}
			t.Logf("%s: %d specs in %s", tc.image, len(out.Specs), out.Duration.Round(time.Millisecond))
		})
	}
}
