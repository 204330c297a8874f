package harness

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness/plan"
)

func TestProgressOffATerminalHasNoControlCharacters(t *testing.T) {
	var out bytes.Buffer
	r := newRun(&plan.Plan{Path: "p.yaml"}, Options{Progress: &out})
	if r.tty {
		t.Fatal("a buffer taken for a terminal")
	}
	r.logf("stack: up")
	r.progress("load x: 1s/4s, 50 sent, 50.0/s, 0 error(s)")
	r.progress("load x: 2s/4s, 100 sent, 50.0/s, 0 error(s)") // within 5s: dropped
	r.logf("verdict: pass")
	got := out.String()
	if strings.ContainsAny(got, "\r\x1b") {
		t.Errorf("control characters off a terminal: %q", got)
	}
	if strings.Count(got, "load x:") != 1 || strings.Count(got, "\n") != 3 {
		t.Errorf("want one progress line between the two log lines, got:\n%s", got)
	}
	r.lastProgress = time.Now().Add(-progressEvery)
	r.progress("load x: 3s/4s, 150 sent, 50.0/s, 1 error(s)")
	if !strings.Contains(out.String(), "3s/4s") {
		t.Error("a progress line 5s later was dropped")
	}
}

func TestProgressOnATerminalRewritesOneLine(t *testing.T) {
	var out bytes.Buffer
	r := newRun(&plan.Plan{Path: "p.yaml"}, Options{Progress: &out})
	r.tty = true
	r.progress("load x: 1s/4s")
	r.progress("load x: 2s/4s")
	r.logf("verdict: pass")
	got := out.String()
	if strings.Count(got, "\r\x1b[K") != 3 || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "verdict: pass\n") {
		t.Errorf("want the progress line rewritten in place, then cleared for the log line; got %q", got)
	}
}
