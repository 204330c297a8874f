package rollback

import (
	"path/filepath"
	"testing"

	"github.com/postflight/postflight/harness/plan"
)

// A plan's state_dir and ca_file are used as they are when absolute, and
// are relative to the plan's directory otherwise.
func TestRollbackPathsFromPlan(t *testing.T) {
	planDir := t.TempDir()
	elsewhere := t.TempDir()
	tests := []struct {
		name, stateDir, caFile, wantStateDir, wantCAFile string
	}{
		{"absolute", filepath.Join(elsewhere, "state"), filepath.Join(elsewhere, "ca.pem"), filepath.Join(elsewhere, "state"), filepath.Join(elsewhere, "ca.pem")},
		{"relative", ".postflight", "certs/ca.pem", filepath.Join(planDir, ".postflight"), filepath.Join(planDir, "certs", "ca.pem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plan.Plan{Path: filepath.Join(planDir, "postflight.yaml"), Rollback: plan.Rollback{
				Driver:   DriverWebhook,
				Webhook:  &plan.WebhookRollback{URL: "https://deploy.example/rollback", SecretEnv: "S", CAFile: tt.caFile},
				StateDir: tt.stateDir,
			}}
			if got := ConfigFromPlan(p).Webhook.CAFile; got != tt.wantCAFile {
				t.Errorf("ca_file = %q, want %q", got, tt.wantCAFile)
			}
			p.Rollback.Driver, p.Rollback.Webhook, p.Rollback.Command = DriverCommand, nil, []string{"true"}
			r, err := FromPlan(p)
			if err != nil {
				t.Fatal(err)
			}
			if r.StateDir != tt.wantStateDir {
				t.Errorf("state_dir = %q, want %q", r.StateDir, tt.wantStateDir)
			}
		})
	}
}
