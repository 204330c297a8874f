package packages_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/packages"
	"github.com/postflight/postflight/internal/nettest"
)

// A registry that accepts the connection and never answers is asked with
// the registry package's bounded waits: an error naming the timeout, not a
// read that hangs until the run is interrupted.
func TestRegistryThatNeverAnswersTimesOut(t *testing.T) {
	ref := "docker://" + nettest.SilentAddr(t) + "/app:1"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := packages.Read(ctx, ref, packages.WithRegistryTimeout(300*time.Millisecond))
	took := time.Since(start)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("err %v after %s (the test's own deadline: %v)", err, took, ctx.Err())
	}
	if !strings.Contains(err.Error(), "timeout") && !strings.Contains(err.Error(), "deadline") {
		t.Errorf("err %v: want the timeout named", err)
	}
	if took > 10*time.Second {
		t.Errorf("gave up after %s, want about the registry timeout", took)
	}
}
