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
		// The kind's defaults first (a kind may bound its checks otherwise),
		// then what every check gets, whatever its kind.
		if k, ok := LookupKind(c.Kind); ok && k.Defaults != nil {
			k.Defaults(p, c)
		}
		if c.Request.Method == "" {
			c.Request.Method = http.MethodGet
		}
		setDefault(&c.Timeout, DefaultCheckTimeout)
		setDefault(&c.RetryInterval, DefaultRetryInterval)
	}
	if p.Policy.Inconclusive == "" {
		p.Policy.Inconclusive = InconclusiveHold
	}
	if r := p.Policy.Regression; r != nil {
		r.applyDefaults()
	}
	setDefault(&p.Rollback.Timeout, DefaultRollbackLimit)
	p.canaryDefaults()
}

func httpDefaults(_ *Plan, c *Check) {
	if c.Expect.Status == 0 {
		c.Expect.Status = http.StatusOK
	}
}

// loadDefaults leaves a load check without an expect without one: its
// answers need a 2xx or 3xx status, not exactly 200.
func loadDefaults(_ *Plan, c *Check) {
	if c.Load != nil {
		for j := range c.Load.Targets {
			c.Load.Targets[j].applyDefaults(http.MethodGet)
		}
	}
	c.Propagation.applyDefaults()
}

func provenanceDefaults(p *Plan, c *Check) {
	if pv := c.Provenance; pv != nil {
		if pv.Intended == "" {
			pv.Intended = IntendedHighestSemver
		}
		pv.Compose = p.Resolve(pv.Compose)
	}
}

func integrityDefaults(_ *Plan, c *Check) {
	if c.Integrity == nil {
		c.Integrity = &IntegritySpec{}
	}
	if len(c.Integrity.Images) == 0 {
		c.Integrity.Images = []string{"new", "old"}
	}
	setDefault(&c.Integrity.Timeout, DefaultIntegrityTimeout)
}

func packagesDefaults(_ *Plan, c *Check) {
	if c.Packages == nil {
		c.Packages = &PackagesSpec{}
	}
	if len(c.Packages.FailOn) == 0 {
		c.Packages.FailOn = []packages.Rule{packages.FailUnexpected, packages.FailRemoved, packages.FailDowngrade}
	}
}

// applyDefaults fills in a propagation's unset values; nil has none.
func (pr *Propagation) applyDefaults() {
	if pr == nil {
		return
	}
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

func (r *Regression) applyDefaults() {
	if r.Runs == 0 {
		r.Runs = DefaultRegressionRuns
	}
	if r.Tolerance == nil {
		t := DefaultRegressionTolerance
		r.Tolerance = &t
	}
	if r.Significance == nil {
		s := DefaultRegressionSignificance
		r.Significance = &s
	}
	if r.OnRegression == "" {
		r.OnRegression = DefaultOnRegression
	}
}
