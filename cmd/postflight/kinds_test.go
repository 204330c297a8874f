package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness/plan"
)

// The help of the commands that read plans lists the registered kinds:
// one registered by another package shows up there with its help line.
func TestHelpListsTheRegisteredKinds(t *testing.T) {
	plan.RegisterKind(plan.Kind{Name: "tcp", Help: "a connection to a service's port", Fields: []string{"service", "port"}})
	for _, command := range []string{"run", "validate"} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs([]string{command, "--help"})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%s --help: %v", command, err)
		}
		for _, want := range []string{
			"Check kinds a plan may name:\n",
			"  http         a request to a service or URL, and the answer it must get\n",
			"  tcp          a connection to a service's port\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s --help lacks %q:\n%s", command, want, out.String())
			}
		}
	}
}
