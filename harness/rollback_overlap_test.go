package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/slo"
)

// The replica takes the old version back while the rollback driver runs,
// not after it: here the driver finishes only once it sees the old
// version's writer running in the replica, which a replica that waited for
// the driver would never show it.
func TestReplicaOldVersionComesUpWhileTheRollbackRuns(t *testing.T) {
	cli := needDocker(t)
	compose, err := filepath.Abs("../fixtures/demo/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`i=0
while [ $i -lt 300 ]; do
	if [ -n "$(docker ps -q --filter label=%s=$POSTFLIGHT_RUN_ID --filter label=%s=writer --filter ancestor=$POSTFLIGHT_OLD_IMAGE)" ]; then
		echo "the old version runs in the replica while rolling back"
		exit 0
	fi
	sleep 0.1
	i=$((i+1))
done
echo "the old version did not come up in the replica while rolling back" >&2
exit 1`, stack.LabelRun, stack.LabelService)
	src := fmt.Sprintf(`version: 1
name: overlap
stack:
  replica:
    compose: %q
    under_test: [writer, reader]
checks:
  - {name: write-accepted, kind: http, service: writer, request: {method: PUT, path: /kv/k, body: hello}, expect: {status: 200}}
  - {name: read-your-write, kind: http, service: writer, request: {path: /kv/k}, expect: {json: {"$.value": hello}}}
rollback:
  driver: command
  command: [sh, -c, %q]
  timeout: 60s
  state_dir: %q
  verify: [write-accepted, read-your-write]
`, compose, script, t.TempDir())
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{
		NewImage: "postflight-demo:1.1.0", OldImage: "postflight-demo:1.0.0", ReportDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	rb := rep.Rollback
	if rep.Outcome != report.RolledBack || rb == nil || rb.Outcome == nil {
		t.Fatalf("outcome %s: %s; rollback %+v", rep.Outcome, rep.Summary, rb)
	}
	if !strings.Contains(rb.Outcome.Output, "the old version runs in the replica while rolling back") {
		t.Errorf("rollback command output %q", rb.Outcome.Output)
	}
	if rb.VerifyVerdict == nil || rb.VerifyVerdict.Status != slo.Pass || len(rb.Verify) != 2 {
		t.Errorf("verify after rollback: %+v %+v", rb.VerifyVerdict, rb.Verify)
	}
	if left := leftovers(t, cli, rep.RunID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
