package registrytest

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

// The labels postflight puts on what it creates (see harness/stack); tests
// put them on what they create too, so that `postflight cleanup` finds
// anything a killed test left.
const (
	LabelManaged = "io.postflight.managed"
	LabelRun     = "io.postflight.run"
)

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// RunID names one test run: the test's name, lower-case, and a random
// suffix. It is usable as a label value, a repository and a container name.
func RunID(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	name := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = strings.TrimRight(name[:40], "-")
	}
	return "pft-" + name + "-" + hex.EncodeToString(b)
}

// Labels are the labels of what a test run creates.
func Labels(runID string) map[string]string {
	return map[string]string{LabelManaged: "true", LabelRun: runID}
}
