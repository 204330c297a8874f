package harness_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
)

// sameImageTags makes one tiny local image under two tags and removes it
// at the end.
func sameImageTags(t *testing.T) (string, string) {
	t.Helper()
	needDocker(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "version"), []byte("1.4.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tar := filepath.Join(dir, "image.tar")
	a, b := "postflight-adv-same:1.3.2", "postflight-adv-same:1.4.0"
	for _, argv := range [][]string{
		{"tar", "-C", dir, "-cf", tar, "version"},
		{"docker", "import", "--change", "LABEL io.postflight.test=adv", tar, a},
		{"docker", "tag", a, b},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", a, b).Run() })
	return a, b
}

// A rollback to the image under test puts nothing back: whatever the
// command or the verify checks would say (a restart may make them pass for
// a while), it is a failed rollback that says why, and the command does
// not run.
func TestRollbackToTheImageUnderTestFails(t *testing.T) {
	tests := []struct {
		name   string
		images func(t *testing.T) (string, string)
		want   string
	}{
		{"the same reference", func(*testing.T) (string, string) { return "shop:1.4.0", "shop:1.4.0" },
			"the rollback image shop:1.4.0 is the image under test"},
		{"another tag of the same image", sameImageTags,
			"is the image under test postflight-adv-same:1.4.0 under another name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := tt.images(t)
			// The command restarts the service, which makes its orders
			// pass on the very image under test.
			path := ordersPlan(t, "touch rolled-back", "[health, orders]")
			rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{OldImage: old, NewImage: new})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != report.RollbackFailed || !strings.Contains(rep.Summary, tt.want) {
				t.Fatalf("outcome %s (exit %d): %s; want rollback-failed saying %q", rep.Outcome, rep.ExitCode, rep.Summary, tt.want)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(path), "rolled-back")); err == nil {
				t.Error("the rollback command ran")
			}
		})
	}
}
