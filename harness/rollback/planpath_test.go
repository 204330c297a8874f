package rollback

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
)

// One plan named five ways, from two working directories, is one target:
// one lock, one state directory, so exactly one of five rollbacks started
// at once runs its command; the others find the target locked.
func TestOnePlanNamedManyWaysIsOneRollbackTarget(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "rb")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(parent, "link")); err != nil {
		t.Fatal(err)
	}
	ran := filepath.Join(parent, "ran")
	build := func(path string) *Runner {
		p := &plan.Plan{Path: path, Rollback: plan.Rollback{Driver: DriverCommand, StateDir: "state",
			Command: []string{"sh", "-c", `echo x >> "` + ran + `"; sleep 1`}}}
		r, err := FromPlan(p)
		if err != nil {
			t.Fatal(err)
		}
		r.LockTimeout = 200 * time.Millisecond
		return r
	}
	var runners []*Runner
	var names []string
	t.Chdir(dir)
	for _, path := range []string{"postflight.yaml", "./postflight.yaml"} {
		runners, names = append(runners, build(path)), append(names, path+" in rb")
	}
	t.Chdir(parent)
	for _, path := range []string{"rb/postflight.yaml", "link/postflight.yaml", filepath.Join(dir, "postflight.yaml")} {
		runners, names = append(runners, build(path)), append(names, path)
	}
	req := Request{OldImage: "app:1", NewImage: "app:2", PlanPath: filepath.Join(dir, "postflight.yaml")}
	for i, r := range runners[1:] {
		if got, want := r.Driver.Targets(req), runners[0].Driver.Targets(req); strings.Join(got, "|") != strings.Join(want, "|") || r.StateDir != runners[0].StateDir {
			t.Errorf("%s: targets %q in %s, want %q in %s", names[i+1], got, r.StateDir, want, runners[0].StateDir)
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, len(runners))
	for i, r := range runners {
		wg.Go(func() {
			req := req
			req.RunID = names[i]
			_, errs[i] = r.RollBack(context.Background(), req)
		})
	}
	wg.Wait()
	done, locked := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			done++
		case errors.Is(err, ErrLocked):
			locked++
		default:
			t.Errorf("%s: %v", names[i], err)
		}
	}
	b, _ := os.ReadFile(ran)
	if n := strings.Count(string(b), "x"); n != 1 || done != 1 || locked != len(runners)-1 {
		t.Errorf("the command ran %d times; %d rollbacks done, %d locked out: want 1, 1, %d", n, done, locked, len(runners)-1)
	}
}

func TestPlanPathIsAbsoluteCleanAndResolved(t *testing.T) {
	parent := t.TempDir()
	real, _ := filepath.EvalSymlinks(parent)
	os.Mkdir(filepath.Join(parent, "rb"), 0o755)
	os.Symlink(filepath.Join(parent, "rb"), filepath.Join(parent, "link"))
	t.Chdir(parent)
	want := filepath.Join(real, "rb", "postflight.yaml")
	for _, in := range []string{"rb/postflight.yaml", "./rb/../rb/postflight.yaml", "link/postflight.yaml", filepath.Join(parent, "link", "postflight.yaml")} {
		if got := PlanPath(in); got != want {
			t.Errorf("PlanPath(%q) = %q, want %q", in, got, want)
		}
	}
}
