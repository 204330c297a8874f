package plan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecode feeds plan files to the decoder and validator. Whatever the
// bytes, Parse returns either a plan whose numbers are within the limits
// or errors that each have a line, and it does so without panicking and
// in bounded time.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		boundedPlan(nil),
		"version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api]}\nchecks:\n  - {name: h, kind: http, service: api, expect: {json: {\"any $.a[*]\": x}}}\n",
		"version: 1\nstack: &s\n  <<: *s\n",
		"version: 1\nname: [[[[[[[[]]]]]]]]\n",
		"version: 1\nchecks: *nope\n",
		"a: |\n  [[[\nb: 1\n",
		"version: 1\nstack: {existing: {services: {api: {}}}}\nchecks: [{name: h, kind: http, service: api}]\ncanary: {services: {api: s}, steps: [{percent: 30, min: 1, max: 5}, {percent: \"60%\"}], interval: 1s}\n",
		"version: 1\nstack: {existing: {services: {api: {}}}}\ncanary: {services: {api: s}, steps: {over: 2h, every: 10m}, inconclusive: abort}\n",
	} {
		f.Add([]byte(seed))
	}
	if full, err := os.ReadFile("testdata/full/postflight.yaml"); err == nil {
		f.Add(full)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(testCompose), 0o644); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "postflight.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		p, err := Parse(path, data)
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("Parse of %d bytes took %s", len(data), took)
		}
		if err == nil {
			planWithinLimits(t, p)
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %v (%T) is not plan Errors", err, err)
		}
		for _, e := range errs {
			if e.Line < 1 {
				t.Errorf("error without a line: %v", e)
			}
		}
	})
}

// planWithinLimits fails unless every number of a parsed plan is within
// the documented limits.
func planWithinLimits(t *testing.T, p *Plan) {
	t.Helper()
	if p == nil || p.Version != Version || len(p.Checks) < 1 || len(p.Checks) > MaxChecks {
		t.Fatalf("parsed plan is not a valid one: %+v", p)
	}
	durations := []Duration{p.Rollback.Timeout, p.Rollback.LockTimeout}
	for _, c := range p.Checks {
		if c.Retries < 0 || c.Retries > MaxRetries {
			t.Errorf("check %s: retries %d", c.Name, c.Retries)
		}
		durations = append(durations, c.Timeout, c.RetryInterval)
		if l := c.Load; l != nil {
			durations = append(durations, l.Duration, l.Warmup)
			if l.Rate <= 0 || l.Rate > MaxRate || len(l.Targets) > MaxTargets {
				t.Errorf("check %s: load %+v", c.Name, l)
			}
			for _, tg := range l.Targets {
				if tg.Weight < 1 || tg.Weight > MaxWeight {
					t.Errorf("check %s: weight %d", c.Name, tg.Weight)
				}
			}
		}
		if pr := c.Propagation; pr != nil {
			durations = append(durations, pr.Interval, pr.Timeout)
			if pr.Samples < 1 || pr.Samples > MaxSamples || pr.Concurrency < 1 || pr.Concurrency > MaxConcurrency || len(pr.Reads) > MaxReads {
				t.Errorf("check %s: propagation %+v", c.Name, pr)
			}
		}
	}
	for _, d := range durations {
		if d.Duration < 0 || d.Duration > MaxDuration {
			t.Errorf("duration %s out of range", d.Duration)
		}
	}
}
