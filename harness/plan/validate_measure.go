package plan

import (
	"fmt"

	"slices"
	"strings"
	"time"
)

// kindOnly reports fields given to a check of a kind they do not apply to.
// A check of an unknown kind (the zero Kind) has none of them.
func (v *validator) kindOnly(path string, c *Check, kind Kind) {
	for _, field := range checkFields {
		if !v.has(path+"."+field) || kind.accepts(field) {
			continue
		}
		kinds := kindNames(func(k Kind) bool { return k.accepts(field) })
		v.failKey(path+"."+field, "%s does not apply to a %q check; it is for kind %s", field, c.Kind, quoteList(kinds))
	}
}

// loadCheck validates a "load" check: its load, budgets, and optionally the
// propagation measured while it runs.
func (v *validator) loadCheck(path string, c *Check) {
	if c.Service != "" {
		v.service(path+".service", c.Service)
	}
	lp := path + ".load"
	if c.Load == nil {
		if !v.bad[lp] {
			v.fail(path, "missing required field %q: the rate, duration and targets of the load", "load")
		}
	} else {
		hasRate := v.required(lp, "rate")
		hasDuration := v.required(lp, "duration")
		if hasDuration && c.Load.Duration.Duration == 0 {
			v.fail(lp+".duration", "expected a duration longer than 0")
		}
		if hasRate && c.Load.Rate > MaxRate {
			v.fail(lp+".rate", "expected a rate of at most %d/s, got %s", MaxRate, c.Load.Rate)
		} else if hasRate && hasDuration && !v.bad[lp+".warmup"] {
			v.loadSize(lp, c.Load)
		}
		if v.required(lp, "targets") && len(c.Load.Targets) == 0 && !v.bad[lp+".targets"] {
			v.fail(lp+".targets", "expected at least one target")
		}
		v.atMost(lp+".targets", len(c.Load.Targets), MaxTargets, "targets")
		for i := range c.Load.Targets {
			tp := fmt.Sprintf("%s.targets[%d]", lp, i)
			v.endpoint(tp, &c.Load.Targets[i], c.Service)
			if e := c.Load.Targets[i].Expect; e != nil {
				v.expect(tp+".expect", *e)
			}
		}
		if t := c.Load.RateTolerance; t != nil && *t > MaxRateTolerance {
			v.fail(lp+".rate_tolerance", "expected at most %v, got %v", MaxRateTolerance, *t)
		}
		if v.has(lp+".max_workers") && c.Load.MaxWorkers < 1 {
			v.fail(lp+".max_workers", "expected at least 1 worker, got %d", c.Load.MaxWorkers)
		}
	}
	v.expect(path+".expect", c.Expect)
	if c.Propagation != nil {
		v.propagation(path+".propagation", c.Propagation, c.Service)
		v.propagationBudgets(path, c)
	} else if v.budgetsGiven(path + ".budgets.propagation") {
		v.failKey(path+".budgets.propagation", "propagation budgets need a propagation section to measure")
	}
	b := path + ".budgets"
	if !v.budgetsGiven(b+".latency") && !v.has(b+".error_rate") && !v.has(b+".throughput") && !v.budgetsGiven(b+".propagation") && !v.erredUnder(b) {
		v.fail(path, "a load check needs budgets: latency percentiles, error_rate, throughput or propagation")
	}
}

// loadSize checks that a load sends at least one request in its duration,
// and at most MaxLoadRequests in all.
func (v *validator) loadSize(path string, l *LoadSpec) {
	rate := float64(l.Rate)
	switch all := rate * (l.Warmup.Duration + l.Duration.Duration).Seconds(); {
	case all > MaxLoadRequests:
		v.fail(path, "the load sends %.0f requests (rate x (warmup + duration)); expected at most %d requests", all, MaxLoadRequests)
	case l.Duration.Duration > 0 && rate*l.Duration.Seconds() < 1:
		v.fail(path, "the load sends less than one request in %s at %s: raise the rate or the duration", formatDuration(l.Duration.Duration), l.Rate)
	}
}

// propagationCheck validates a "propagation" check.
func (v *validator) propagationCheck(path string, c *Check) {
	if c.Service != "" {
		v.service(path+".service", c.Service)
	}
	if c.Propagation == nil {
		if !v.bad[path+".propagation"] {
			v.fail(path, "missing required field %q: the write and the reads to time", "propagation")
		}
		return
	}
	v.propagation(path+".propagation", c.Propagation, c.Service)
	v.propagationBudgets(path, c)
	b := path + ".budgets"
	for _, f := range []string{"latency", "error_rate", "throughput"} {
		if v.has(b + "." + f) {
			v.failKey(b+"."+f, "budgets.%s applies to a load check; a propagation check is held to budgets.propagation", f)
		}
	}
	if !v.budgetsGiven(b+".propagation") && !v.erredUnder(b) {
		v.fail(path, "a propagation check needs budgets.propagation, e.g. {p50: 200ms, max: 2s}")
	}
}

func (v *validator) propagation(path string, p *Propagation, service string) {
	if v.required(path, "write") {
		v.endpoint(path+".write", &p.Write, service)
	}
	if v.required(path, "reads") && len(p.Reads) == 0 && !v.bad[path+".reads"] {
		v.fail(path+".reads", "expected at least one read endpoint")
	}
	for i := range p.Reads {
		v.endpoint(fmt.Sprintf("%s.reads[%d]", path, i), &p.Reads[i], service)
	}
	v.atMost(path+".reads", len(p.Reads), MaxReads, "reads")
	v.between(path+".samples", p.Samples, 1, MaxSamples, "a number of samples")
	v.between(path+".concurrency", p.Concurrency, 1, MaxConcurrency, "a concurrency")
	if v.has(path + ".field") {
		if _, err := parseJSONPath(p.Field); err != nil {
			v.fail(path+".field", "invalid JSONPath selector %q (like $.value)", p.Field)
		}
	}
	for _, e := range append([]string{path + ".write"}, readPaths(path, len(p.Reads))...) {
		if v.has(e + ".expect") {
			v.failKey(e+".expect", "expect applies to a load target, not to a propagation request")
		}
	}
	v.positive(path+".interval", p.Interval)
	v.positive(path+".timeout", p.Timeout)
	if !strings.Contains(p.Write.Path+p.Write.URL+p.Write.Body, "{token}") && v.has(path+".write") {
		v.fail(path+".write", "the write must carry the token: put {token} in its path, url or body")
	}
}

// propagationBudgets refuses a propagation budget the sample timeout does
// not exceed: a write that never shows is given up on at the timeout, so
// such a budget could not tell it from one that showed within budget.
func (v *validator) propagationBudgets(path string, c *Check) {
	timeout := c.Propagation.Timeout.Or(DefaultPropagationTimeout)
	for _, pb := range c.Budgets.Propagation.each() {
		if budget := time.Duration(*pb.budget); budget >= timeout {
			v.fail(fmt.Sprintf("%s.budgets.propagation.%s", path, pb.key()),
				"budget %s is not less than the sample timeout %s: a write that never shows could not be told from one within budget; raise propagation.timeout above it",
				budget, timeout)
		}
	}
}

func readPaths(path string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s.reads[%d]", path, i)
	}
	return out
}

// endpoint validates a request to a service or URL; one without either goes
// to the check's service, when there is one.
func (v *validator) endpoint(path string, e *Endpoint, checkService string) {
	hasService, hasURL := v.has(path+".service"), v.has(path+".url")
	switch {
	case hasService && hasURL:
		v.fail(path+".url", `set either "service" or "url", not both`)
	case hasURL:
		v.absoluteURL(path+".url", strings.ReplaceAll(e.URL, "{token}", "token"))
		if v.has(path + ".port") {
			v.fail(path+".port", `port applies to "service", not "url": put the port in the URL`)
		}
	case hasService:
		if v.service(path+".service", e.Service) {
			v.port(path, e.Service, e.Port)
		}
	case checkService != "":
		if _, ok := v.services[checkService]; ok {
			v.port(path, checkService, e.Port)
		}
	default:
		if !v.bad[path] {
			v.fail(path, `missing required field: set "service" or "url" here or "service" on the check`)
		}
	}
	if v.has(path+".method") && !slices.Contains(httpMethods, e.Method) {
		v.fail(path+".method", "unknown HTTP method %q; expected one of %s%s", e.Method, strings.Join(httpMethods, ", "), didYouMean(e.Method, httpMethods))
	}
	if v.has(path+".path") && !strings.HasPrefix(e.Path, "/") {
		v.fail(path+".path", `expected a path starting with "/", got %q`, e.Path)
	}
	v.between(path+".weight", e.Weight, 1, MaxWeight, "a weight")
}

// erredUnder reports whether the value at path, or one inside it, already
// has an error: then "missing" would be a second, misleading one.
func (v *validator) erredUnder(path string) bool {
	for _, e := range v.errs {
		if e.Field == path || strings.HasPrefix(e.Field, path+".") {
			return true
		}
	}
	return false
}

// budgetsGiven reports whether any percentile budget is given at path.
func (v *validator) budgetsGiven(path string) bool {
	for _, q := range []string{"p50", "p90", "p95", "p99", "p999", "max"} {
		if v.has(path + "." + q) {
			return true
		}
	}
	return false
}
