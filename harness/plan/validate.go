package plan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HTTP methods a plan may name. The check kinds are the registered ones
// (RegisterKind); the rollback drivers are RollbackDrivers.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// validator checks what the decoder cannot: required fields, allowed values
// and references between parts of the plan and to the compose file. It
// reports at the positions the decoder recorded.
type validator struct {
	*decoder
	ctx  context.Context
	plan *Plan
	// services is the stack's services and their ports (for an existing
	// stack: no ports); nil when they could not be read.
	services map[string][]int
	// servicesFrom says where services come from, for messages.
	servicesFrom string
}

func (v *validator) validate() {
	p := v.plan
	if v.required("", "version") && !v.bad["version"] && p.Version != Version {
		v.fail("version", "unsupported version %d; this postflight reads version %d", p.Version, Version)
	}
	v.printableName("name", p.Name)
	if v.required("", "stack") {
		v.stack()
	}
	v.checks()
	v.policy()
	v.regression()
	v.rollback()
	v.canary()
}

// fail records a problem with the value at path. A value that is not in
// the file (a default, a missing field) is reported where its closest
// enclosing value is.
func (v *validator) fail(path, format string, args ...any) {
	v.errorAt(v.where(path), path, format, args...)
}

// failKey records a problem with the key of the map entry at path.
func (v *validator) failKey(path, format string, args ...any) {
	p, ok := v.keys[path]
	if !ok {
		p = v.where(path)
	}
	v.errorAt(p, path, format, args...)
}

func (v *validator) where(path string) position {
	for {
		if p, ok := v.values[path]; ok || path == "" {
			return p
		}
		path = parent(path)
	}
}

// has reports whether the file gives a usable value at path.
func (v *validator) has(path string) bool {
	_, ok := v.values[path]
	return ok && !v.bad[path]
}

// required reports whether field of the struct at path is in the file, and
// records a problem when it is not. It says nothing when the struct itself
// could not be decoded, or the field's value could not: those have errors.
func (v *validator) required(path, field string) bool {
	fp := joinField(path, field)
	if _, ok := v.values[fp]; ok {
		return !v.bad[fp]
	}
	if !v.bad[path] {
		v.fail(path, "missing required field %q", field)
	}
	return false
}

// nonEmpty is required for strings: present and not "".
func (v *validator) nonEmpty(path, field, value string) bool {
	if !v.required(path, field) {
		return false
	}
	if value == "" {
		v.fail(joinField(path, field), "expected a non-empty value")
		return false
	}
	return true
}

// between checks an integer given at path: lo <= n <= hi. what names the
// value in the message ("a number of retries").
func (v *validator) between(path string, n, lo, hi int, what string) bool {
	if !v.has(path) || (n >= lo && n <= hi) {
		return true
	}
	v.fail(path, "expected %s between %d and %d, got %d", what, lo, hi, n)
	v.bad[path] = true
	return false
}

// atMost checks that the list at path has at most limit items.
func (v *validator) atMost(path string, n, limit int, what string) {
	if n > limit {
		v.fail(path, "expected at most %d %s, got %d", limit, what, n)
	}
}

// positive checks an optional duration that, when set, must not be zero.
func (v *validator) positive(path string, d Duration) {
	if d.Set && d.Duration == 0 {
		v.fail(path, "expected a duration greater than zero, got 0s")
	}
}

func (v *validator) stack() {
	s := v.plan.Stack
	switch {
	case s.Replica != nil && s.Existing != nil:
		v.failKey("stack.existing", `set either "replica" or "existing", not both`)
	case s.Replica != nil:
		v.replica(s.Replica)
	case s.Existing != nil:
		v.existing(s.Existing)
	case !v.bad["stack"]:
		v.fail("stack", `missing required field: set either "replica" or "existing"`)
	}
}

func (v *validator) replica(r *Replica) {
	const path = "stack.replica"
	v.positive(path+".ready_timeout", r.ReadyTimeout)
	if v.nonEmpty(path, "compose", r.Compose) {
		v.compose(path+".compose", r.Compose)
	}
	if v.required(path, "under_test") && len(r.UnderTest) == 0 {
		v.fail(path+".under_test", "expected at least one service")
	}
	seen := map[string]bool{}
	for i, name := range r.UnderTest {
		ep := fmt.Sprintf("%s.under_test[%d]", path, i)
		if seen[name] {
			v.fail(ep, "service %q is listed twice", name)
		}
		seen[name] = true
		v.service(ep, name)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Ready)) {
		probe := r.Ready[name]
		kp := joinKey(path+".ready", name)
		if v.services != nil {
			if _, ok := v.services[name]; !ok {
				v.failKey(kp, "%s", v.undefined(name))
				continue
			}
		}
		if v.nonEmpty(kp, "path", probe.Path) && !strings.HasPrefix(probe.Path, "/") {
			v.fail(kp+".path", `expected a path starting with "/", got %q`, probe.Path)
		}
		v.port(kp, name, probe.Port)
	}
}

// compose reads the compose file named at path.
func (v *validator) compose(path, name string) {
	file := v.plan.Resolve(name)
	services, err := ComposeServices(v.ctx, file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && file != name:
		v.fail(path, "compose file %q does not exist (looked for %s)", name, file)
	case errors.Is(err, fs.ErrNotExist):
		v.fail(path, "compose file %q does not exist", name)
	case err != nil:
		v.fail(path, "compose file %q does not parse: %v", name, err)
		v.errs[len(v.errs)-1].Err = err
	default:
		v.services = services
		v.servicesFrom = fmt.Sprintf("compose file %q", name)
	}
}

func (v *validator) existing(e *Existing) {
	const path = "stack.existing"
	if v.required(path, "services") && len(e.Services) == 0 && !v.bad[path+".services"] {
		v.fail(path+".services", "expected at least one service")
	}
	if v.bad[path+".services"] {
		return
	}
	v.services = map[string][]int{}
	v.servicesFrom = "stack.existing.services"
	for _, name := range slices.Sorted(maps.Keys(e.Services)) {
		v.services[name] = nil
		sp := joinKey(path+".services", name)
		if c := v.plan.Canary; c != nil && c.Services[name] != "" && !v.has(sp+".url") {
			continue // the canary finds its tasks on Swarm
		}
		if v.nonEmpty(sp, "url", e.Services[name].URL) {
			v.absoluteURL(sp+".url", e.Services[name].URL)
		}
	}
}

// service checks that the service named at path is one of the stack's.
func (v *validator) service(path, name string) bool {
	if v.services == nil {
		return false // unknown: the stack already has an error
	}
	if _, ok := v.services[name]; !ok {
		v.fail(path, "%s", v.undefined(name))
		return false
	}
	return true
}

func (v *validator) undefined(name string) string {
	names := slices.Sorted(maps.Keys(v.services))
	if len(names) == 0 {
		return fmt.Sprintf("undefined service %q; %s has no services", name, v.servicesFrom)
	}
	return fmt.Sprintf("undefined service %q; %s has %s%s", name, v.servicesFrom, quoteList(names), didYouMean(name, names))
}

// port checks the port a check or probe at path uses on a replica's
// service: it must be one the compose file gives the service, and may be
// left out only when the service has exactly one.
func (v *validator) port(path, service string, port int) {
	pp := path + ".port"
	if !v.between(pp, port, 1, 65535, "a port") {
		return
	}
	ports, ok := v.services[service]
	if !ok || v.plan.Stack.Replica == nil {
		return
	}
	if v.has(pp) {
		if !slices.Contains(ports, port) {
			v.fail(pp, "service %s has no port %d; %s", service, port, portList(ports))
		}
		return
	}
	if v.bad[pp] {
		return
	}
	switch len(ports) {
	case 0:
		v.fail(path, "service %s has no ports in %s: add ports or expose to it", service, v.servicesFrom)
	case 1:
	default:
		v.fail(path, "service %s has ports %s: set port", service, joinPorts(ports))
	}
}

func portList(ports []int) string {
	if len(ports) == 0 {
		return "it has no ports"
	}
	return "its ports are " + joinPorts(ports)
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

func (v *validator) absoluteURL(path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.fail(path, "expected an absolute http or https URL, got %q", raw)
	}
}

func (v *validator) checks() {
	p := v.plan
	if !v.required("", "checks") {
		return
	}
	if len(p.Checks) == 0 && !v.bad["checks"] {
		v.fail("checks", "expected at least one check")
	}
	v.atMost("checks", len(p.Checks), MaxChecks, "checks")
	names := map[string]string{} // name -> path of its first use
	for i := range p.Checks {
		c := &p.Checks[i]
		path := fmt.Sprintf("checks[%d]", i)
		if v.bad[path] {
			continue
		}
		if v.nonEmpty(path, "name", c.Name) && v.printableName(path+".name", c.Name) {
			if first, ok := names[c.Name]; ok {
				v.fail(path+".name", "duplicate check name %q (first at line %d)", c.Name, v.where(first).line)
			} else {
				names[c.Name] = path + ".name"
			}
		}
		kind, known := LookupKind(c.Kind)
		if v.nonEmpty(path, "kind", c.Kind) && !known {
			names := kindNames(func(Kind) bool { return true })
			v.fail(path+".kind", "unknown check kind %q; known kinds are %s%s", c.Kind, quoteList(names), didYouMean(c.Kind, names))
		}
		v.kindOnly(path, c, kind)
		v.positive(path+".timeout", c.Timeout)
		v.between(path+".port", c.Port, 1, 65535, "a port")
		if known && kind.Validate != nil {
			kind.Validate(c, Problems{v: v, path: path})
		}
	}
}

// httpCheck validates an "http" check.
func (v *validator) httpCheck(path string, c *Check) {
	v.target(path, c)
	v.request(path+".request", c.Request)
	v.expect(path+".expect", c.Expect)
	v.between(path+".retries", c.Retries, 0, MaxRetries, "a number of retries")
}

// printableName refuses a name with a control character or invalid UTF-8.
// Names are printed as they are — on consoles, in the Markdown summary, in
// the verdict — and a carriage return or an escape sequence in one would
// rewrite what is around it: a heading or a line that says passed.
func (v *validator) printableName(path, name string) bool {
	for i, r := range name {
		if r == utf8.RuneError && !strings.HasPrefix(name[i:], "\uFFFD") {
			v.fail(path, "invalid UTF-8 in a name")
			return false
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			v.fail(path, "control character %q in a name: names are printed on consoles and in reports", r)
			return false
		}
	}
	return true
}

// target checks where a check's request goes: a service or a URL.
func (v *validator) target(path string, c *Check) {
	hasService, hasURL := v.has(path+".service"), v.has(path+".url")
	pp := path + ".port"
	if v.has(pp) {
		switch {
		case !v.between(pp, c.Port, 1, 65535, "a port"):
		case hasURL:
			v.fail(pp, `port applies to "service", not "url": put the port in the URL`)
		case v.plan.Stack.Existing != nil && v.plan.Stack.Replica == nil:
			v.fail(pp, "port applies to a replica's services; an existing service's URL has its port")
		}
	}
	switch {
	case hasService && hasURL:
		v.fail(path+".url", `set either "service" or "url", not both`)
	case !hasService && !hasURL:
		if !v.bad[path+".service"] && !v.bad[path+".url"] {
			v.fail(path, `missing required field: set either "service" or "url"`)
		}
	case hasURL:
		v.absoluteURL(path+".url", c.URL)
	case hasService:
		if c.Service == "" {
			v.fail(path+".service", "expected a non-empty value")
		} else if v.service(path+".service", c.Service) {
			v.port(path, c.Service, c.Port)
		}
	}
}

func (v *validator) request(path string, r HTTPRequest) {
	if v.has(path+".method") && !slices.Contains(httpMethods, r.Method) {
		v.fail(path+".method", "unknown HTTP method %q; expected one of %s%s", r.Method, strings.Join(httpMethods, ", "), didYouMean(r.Method, httpMethods))
	}
	if v.has(path+".path") && !strings.HasPrefix(r.Path, "/") {
		v.fail(path+".path", `expected a path starting with "/", got %q`, r.Path)
	}
}

func (v *validator) expect(path string, e HTTPExpect) {
	if v.has(path+".status") && (e.Status < 100 || e.Status > 599) {
		v.fail(path+".status", "expected an integer between 100 and 599, got %d", e.Status)
	}
	if v.has(path + ".body_regexp") {
		if _, err := regexp.Compile(e.BodyRegexp); err != nil {
			v.fail(path+".body_regexp", "invalid regular expression: %v", err)
		}
	}
	for sel := range e.JSON {
		if _, err := ParseJSONSelector(sel); err != nil {
			v.failKey(joinKey(path+".json", sel), "invalid JSONPath selector %q (like $.status, $.items[*].id or %s$.items[*].id): %v", sel, AnyMatch, err)
		}
	}
}

func (v *validator) policy() {
	in := v.plan.Policy.Inconclusive
	const path = "policy.inconclusive"
	if !v.has(path) {
		return
	}
	switch in {
	case InconclusiveHold:
	case InconclusiveRollback:
		if v.plan.Rollback.Driver == "" && !v.bad["rollback.driver"] {
			v.fail(path, `"rollback" needs a rollback: set rollback.driver`)
		}
	default:
		v.fail(path, "expected %q or %q, got %q", InconclusiveHold, InconclusiveRollback, in)
	}
}

// MaxRegressionRuns is the most earlier runs a baseline may take.
const MaxRegressionRuns = 1000

// regression checks policy.regression; what it leaves unset is defaulted.
func (v *validator) regression() {
	r := v.plan.Policy.Regression
	if r == nil || !v.has("policy.regression") {
		return
	}
	p := Problems{v: v, path: "policy.regression"}
	if p.Has("runs") && (r.Runs < 1 || r.Runs > MaxRegressionRuns) {
		p.At("runs", "expected a number of earlier runs between 1 and %d, got %d", MaxRegressionRuns, r.Runs)
	}
	if p.Has("on_regression") && r.OnRegression != RegressionWarn && r.OnRegression != RegressionFail {
		p.At("on_regression", "expected %q or %q, got %q", RegressionWarn, RegressionFail, r.OnRegression)
	}
}

func (v *validator) rollback() {
	r := v.plan.Rollback
	const path = "rollback"
	if !v.has(path) {
		return
	}
	if r.Driver == "" {
		// No rollback configured: nothing else may be.
		for _, f := range []string{"command", "swarm", "docker", "webhook", "timeout", "verify", "state_dir", "lock_timeout"} {
			if v.has(path + "." + f) {
				v.nonEmpty(path, "driver", r.Driver)
				break
			}
		}
		return
	}
	for _, d := range RollbackDrivers {
		if d != r.Driver && v.has(path+"."+d) {
			v.failKey(path+"."+d, "%s configures the %q driver, but the driver is %q", d, d, r.Driver)
		}
	}
	switch r.Driver {
	case "command":
		if v.required(path, "command") && len(r.Command) == 0 {
			v.fail(path+".command", "expected a command to run, got an empty list")
		} else if len(r.Command) > 0 && r.Command[0] == "" {
			v.fail(path+".command[0]", "expected a program name, got an empty string")
		}
	case DriverSwarm:
		if v.required(path, "swarm") && r.Swarm != nil && len(r.Swarm.Services) == 0 && r.Swarm.Stack == "" && !v.erredUnder(path+".swarm") {
			v.fail(path+".swarm", "set services or stack: the Swarm services to roll back")
		}
		if r.Swarm != nil {
			for _, node := range slices.Sorted(maps.Keys(r.Swarm.Nodes)) {
				if host := r.Swarm.Nodes[node]; !strings.Contains(host, "://") {
					v.fail(path+".swarm.nodes."+node, `expected a Docker daemon like "ssh://deploy@%s" or "tcp://%s:2376", got %q`, node, node, host)
				}
			}
		}
	case "docker":
		if v.required(path, "docker") && r.Docker != nil && r.Docker.Project == "" && len(r.Docker.Labels) == 0 && !v.erredUnder(path+".docker") {
			v.fail(path+".docker", "set project or labels: the containers to recreate")
		}
		if r.Docker != nil {
			for i, l := range r.Docker.Labels {
				if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
					v.fail(fmt.Sprintf("%s.docker.labels[%d]", path, i), `expected a label filter like "app=shop", got %q`, l)
				}
			}
		}
	case DriverWebhook:
		if v.required(path, "webhook") && r.Webhook != nil {
			wp := path + ".webhook"
			if v.required(wp, "url") {
				v.absoluteURL(wp+".url", r.Webhook.URL)
			}
			v.required(wp, "secret_env")
			v.between(wp+".attempts", r.Webhook.Attempts, 1, MaxWebhookAttempts, "a number of attempts")
		}
	default:
		v.fail(path+".driver", "unknown rollback driver %q; known drivers are %s%s", r.Driver, quoteList(RollbackDrivers), didYouMean(r.Driver, RollbackDrivers))
	}
	v.positive(path+".timeout", r.Timeout)
	v.positive(path+".lock_timeout", r.LockTimeout)
	if r.Docker != nil {
		v.positive(path+".docker.health_timeout", r.Docker.HealthTimeout)
	}
	for i, name := range r.Verify {
		v.verifyCheck(fmt.Sprintf("%s.verify[%d]", path, i), name)
	}
}

// verifyCheck checks that the check named at path exists and can verify a
// rollback.
func (v *validator) verifyCheck(at, name string) {
	checks := checkNames(v.plan.Checks)
	if !slices.Contains(checks, name) {
		v.fail(at, "no check is named %q%s", name, didYouMean(name, checks))
	} else if kind := v.plan.Check(name).Kind; kindCannotVerify(kind) != "" {
		// Its answer does not depend on what runs: after a rollback
		// that did nothing it passes as it did before.
		verifiers := kindNames(func(k Kind) bool { return k.CannotVerify == "" })
		v.fail(at, "check %q is %s check: %s, so it cannot verify a rollback; name a check of what runs (%s)",
			name, article(kind), kindCannotVerify(kind), orList(verifiers))
	}
}

func kindCannotVerify(kind string) string {
	k, _ := LookupKind(kind)
	return k.CannotVerify
}

// orList renders names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// article puts "a" or "an" before a word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
