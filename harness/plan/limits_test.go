package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// limitsHead is a valid start of a plan; each case adds its checks and
// sections.
const limitsHead = "version: 1\nstack:\n  replica: {compose: compose.yaml, under_test: [api], ready_timeout: %s, ready: {api: {path: /, port: %s}}}\n"

const (
	httpCheck = "  - {name: h, kind: http, service: api, retries: %s, timeout: %s, retry_interval: %s}\n"
	loadCheck = "  - {name: l, kind: load, service: api, port: %s, load: {rate: %s, duration: %s, warmup: %s, targets: [{path: /, weight: %s}]}, budgets: {error_rate: 1%%}}\n"
	propCheck = "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [{path: /}], samples: %s, concurrency: %s, interval: %s, timeout: %s}, budgets: {propagation: {max: 1s}}}\n"
	rollbackS = "rollback: {driver: webhook, webhook: {url: 'https://deploy.example/rb', secret_env: S, attempts: %s, backoff: %s}, timeout: %s, lock_timeout: %s}\n"
)

// boundedPlan is a plan whose numbers are the ok ones, but for those in over.
func boundedPlan(over map[string]string) string {
	get := func(k, def string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return def
	}
	return fmt.Sprintf(limitsHead, get("ready_timeout", "60s"), get("ready_port", "8080")) +
		"checks:\n" +
		fmt.Sprintf(httpCheck, get("retries", "3"), get("timeout", "5s"), get("retry_interval", "1s")) +
		fmt.Sprintf(loadCheck, get("lport", "8080"), get("rate", "200/s"), get("duration", "10s"), get("warmup", "1s"), get("weight", "2")) +
		fmt.Sprintf(propCheck, get("samples", "20"), get("concurrency", "4"), get("interval", "10ms"), get("ptimeout", "5s")) +
		fmt.Sprintf(rollbackS, get("attempts", "3"), get("backoff", "1s"), get("rtimeout", "5m"), get("lock_timeout", "2m"))
}

func TestPlanNumbersWithinLimitsParse(t *testing.T) {
	if _, err := parseInDir(t, boundedPlan(nil), ""); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

func TestPlanNumbersOutOfRangeAreErrors(t *testing.T) {
	tests := []struct {
		name, key, value, field, want string
	}{
		{"retries that overflow attempts", "retries", "9223372036854775807", "checks[0].retries", "between 0 and 1000"},
		{"retries past the cap", "retries", "1001", "checks[0].retries", "between 0 and 1000"},
		{"negative retries", "retries", "-1", "checks[0].retries", "between 0 and 1000"},
		{"samples past the cap", "samples", "100000000000", "checks[2].propagation.samples", "between 1 and 10000"},
		{"zero samples", "samples", "0", "checks[2].propagation.samples", "between 1 and 10000"},
		{"zero concurrency", "concurrency", "0", "checks[2].propagation.concurrency", "between 1 and 1000"},
		{"concurrency past the cap", "concurrency", "100000", "checks[2].propagation.concurrency", "between 1 and 1000"},
		{"zero weight", "weight", "0", "checks[1].load.targets[0].weight", "between 1 and 1000"},
		{"weight past the cap", "weight", "1000000", "checks[1].load.targets[0].weight", "between 1 and 1000"},
		{"rate past the cap", "rate", "1000000/s", "checks[1].load.rate", "at most 100000/s"},
		{"load of too many requests", "duration", "23h", "checks[1].load", "at most 10000000 requests"},
		{"load of less than one request", "rate", "1/h", "checks[1].load", "less than one request"},
		{"timeout past a day", "timeout", "25h", "checks[0].timeout", "at most 24h"},
		{"retry interval past a day", "retry_interval", "100000h", "checks[0].retry_interval", "at most 24h"},
		{"warmup past a day", "warmup", "48h", "checks[1].load.warmup", "at most 24h"},
		{"load duration past a day", "duration", "25h", "checks[1].load.duration", "at most 24h"},
		{"interval past a day", "interval", "25h", "checks[2].propagation.interval", "at most 24h"},
		{"zero interval", "interval", "0s", "checks[2].propagation.interval", "greater than zero"},
		{"sample timeout past a day", "ptimeout", "25h", "checks[2].propagation.timeout", "at most 24h"},
		{"ready timeout past a day", "ready_timeout", "1000h", "stack.replica.ready_timeout", "at most 24h"},
		{"rollback timeout past a day", "rtimeout", "25h", "rollback.timeout", "at most 24h"},
		{"lock timeout past a day", "lock_timeout", "25h", "rollback.lock_timeout", "at most 24h"},
		{"zero lock timeout", "lock_timeout", "0s", "rollback.lock_timeout", "greater than zero"},
		{"backoff past a day", "backoff", "25h", "rollback.webhook.backoff", "at most 24h"},
		{"port past 65535", "ready_port", "70000", "stack.replica.ready.api.port", "between 1 and 65535"},
		{"port zero", "ready_port", "0", "stack.replica.ready.api.port", "between 1 and 65535"},
		{"check port past 65535", "lport", "99999", "checks[1].port", "between 1 and 65535"},
		{"webhook attempts past the cap", "attempts", "1000000", "rollback.webhook.attempts", "between 1 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInDir(t, boundedPlan(map[string]string{tt.key: tt.value}), "")
			wantFieldError(t, err, tt.field, tt.want)
		})
	}
}

func TestPlanCountsOutOfRangeAreErrors(t *testing.T) {
	head := fmt.Sprintf(limitsHead, "60s", "8080") + "checks:\n"
	manyChecks := strings.Repeat("  - {name: h, kind: http, service: api}\n", MaxChecks+1)
	target := "{path: /}, "
	tests := []struct {
		name, checks, field, want string
	}{
		{"too many checks", manyChecks, "checks", "at most 1000 checks"},
		{"too many targets", "  - {name: l, kind: load, service: api, load: {rate: 5/s, duration: 1s, targets: [" +
			strings.Repeat(target, MaxTargets+1) + "]}, budgets: {error_rate: 1%}}\n", "checks[0].load.targets", "at most 100 targets"},
		{"too many reads", "  - {name: p, kind: propagation, service: api, propagation: {write: {path: '/kv/{token}'}, reads: [" +
			strings.Repeat(target, MaxReads+1) + "]}, budgets: {propagation: {max: 1s}}}\n", "checks[0].propagation.reads", "at most 100 reads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInDir(t, head+tt.checks, "")
			wantFieldError(t, err, tt.field, tt.want)
		})
	}
}

// wantFieldError fails unless err is plan Errors with one, at a line and
// column, about field, whose message contains want.
func wantFieldError(t *testing.T, err error, field, want string) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) is not an Errors", err, err)
	}
	for _, e := range errs {
		if e.Field == field && strings.Contains(e.Msg, want) {
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("error %q has no line and column", e)
			}
			return
		}
	}
	t.Errorf("no error on %s containing %q; got:\n%v", field, want, err)
}

func TestPlanOfExpandingAliasesIsRefused(t *testing.T) {
	// 1000 checks of 1000 targets of 1000 headers each, from a few
	// kilobytes of aliases: a billion values if expanded.
	var b strings.Builder
	b.WriteString(fmt.Sprintf(limitsHead, "60s", "8080"))
	b.WriteString("x-headers: &h {")
	for i := range 1000 {
		fmt.Fprintf(&b, "h%d: v, ", i)
	}
	b.WriteString("}\nx-target: &t {path: /, headers: {<<: *h}}\nx-check: &c {name: l, kind: load, service: api, budgets: {error_rate: 1%}, load: {rate: 5/s, duration: 1s, targets: [")
	b.WriteString(strings.Repeat("*t, ", 1000))
	b.WriteString("]}}\nchecks: [")
	b.WriteString(strings.Repeat("*c, ", 1000))
	b.WriteString("]\n")
	_, err := parseInDir(t, b.String(), "")
	wantFieldError(t, err, "", "the plan has more than 100000 values, aliases and merge keys expanded")
}
