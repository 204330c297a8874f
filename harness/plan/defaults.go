package plan

import (
	"github.com/postflight/postflight/harness/packages"
	"net/http"
	"time"
)

// applyDefaults fills in what a valid plan leaves unset. Defaulted
// durations are marked Set, so that every duration of a loaded plan is
// usable as it is.
func (p *Plan) applyDefaults() {
	if r := p.Stack.Replica; r != nil {
		setDefault(&r.ReadyTimeout, DefaultReadyTimeout)
	}
	for i := range p.Checks {
		c := &p.Checks[i]
		if c.Request.Method == "" {
			c.Request.Method = http.MethodGet
		}
		// A load check without an expect keeps none: its answers need a
		// 2xx or 3xx status, not exactly 200.
		if c.Kind == KindHTTP && c.Expect.Status == 0 {
			c.Expect.Status = http.StatusOK
		}
		setDefault(&c.Timeout, DefaultCheckTimeout)
		setDefault(&c.RetryInterval, DefaultRetryInterval)
		if c.Load != nil {
			for j := range c.Load.Targets {
				c.Load.Targets[j].applyDefaults(http.MethodGet)
			}
		}
		if pv := c.Provenance; pv != nil {
			if pv.Intended == "" {
				pv.Intended = IntendedHighestSemver
			}
			pv.Compose = p.Resolve(pv.Compose)
		}
		if c.Kind == KindPackages && c.Packages == nil {
			c.Packages = &PackagesSpec{}
		}
		if pk := c.Packages; pk != nil && len(pk.FailOn) == 0 {
			pk.FailOn = []packages.Rule{packages.FailUnexpected, packages.FailRemoved, packages.FailDowngrade}
		}
		if c.Kind == KindIntegrity && c.Integrity == nil {
			c.Integrity = &IntegritySpec{}
		}
		if in := c.Integrity; in != nil {
			if len(in.Images) == 0 {
				in.Images = []string{"new", "old"}
			}
			setDefault(&in.Timeout, DefaultIntegrityTimeout)
		}
		if pr := c.Propagation; pr != nil {
			pr.Write.applyDefaults(http.MethodPut)
			for j := range pr.Reads {
				pr.Reads[j].applyDefaults(http.MethodGet)
			}
			if pr.Samples == 0 {
				pr.Samples = DefaultPropagationSamples
			}
			if pr.Concurrency == 0 {
				pr.Concurrency = DefaultPropagationConcurrency
			}
			setDefault(&pr.Interval, DefaultPropagationInterval)
			setDefault(&pr.Timeout, DefaultPropagationTimeout)
		}
	}
	if p.Policy.Inconclusive == "" {
		p.Policy.Inconclusive = InconclusiveHold
	}
	setDefault(&p.Rollback.Timeout, DefaultRollbackLimit)
}

func setDefault(d *Duration, def time.Duration) {
	if !d.Set {
		*d = Duration{Duration: def, Set: true}
	}
}

func (e *Endpoint) applyDefaults(method string) {
	if e.Method == "" {
		e.Method = method
	}
	if e.Weight == 0 {
		e.Weight = 1
	}
}
