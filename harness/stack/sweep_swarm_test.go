package stack_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/stack"
	"github.com/postflight/postflight/internal/dockertest"
)

// A Swarm service's containers are Swarm's, even when they carry
// postflight's labels: cleanup removes none (Swarm would only start
// another, and the service would see its task fail).
func TestSweepLeavesSwarmTasksAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cli := dockertest.Client(t, "postflight-demo:1.0.0")
	dockertest.Swarm(t, cli)
	name := fmt.Sprintf("pf-sweep-%d", time.Now().UnixNano()%1e9)
	out, err := exec.Command("docker", "service", "create", "--detach=false", "--quiet", "--name", name,
		"--container-label", "io.postflight.managed=true", "--container-label", stack.LabelRun+"="+name, "--no-healthcheck",
		"postflight-demo:1.0.0", "-role", "writer", "-listen", ":8080").CombinedOutput()
	t.Cleanup(func() { exec.Command("docker", "service", "rm", name).Run() })
	if err != nil {
		t.Fatalf("service create: %v: %s", err, out)
	}
	task := func() string {
		out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+name).Output()
		return strings.TrimSpace(string(out))
	}
	before := task()
	if before == "" {
		t.Fatal("the service runs no task")
	}
	// By its run's label, as `postflight cleanup --run` does: other tests'
	// resources are left alone.
	removed, _, err := stack.Sweep(context.Background(), cli, name, false)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	for _, c := range removed.Containers {
		if strings.HasPrefix(c.Name, name+".") {
			t.Errorf("swept the service's task %s", c.Name)
		}
	}
	if after := task(); after != before {
		t.Errorf("task %q is now %q", before, after)
	}
}
