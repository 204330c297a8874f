package plan

import "cmp"

// The built-in kinds of check, registered in this order: the order in
// which messages list kinds.
var (
	HTTPKind = Kind{
		Name:         KindHTTP,
		Help:         "a request to a service or URL, and the answer it must get",
		Fields:       []string{"service", "port", "url", "request", "expect", "retries", "retry_interval"},
		Validate:     builtin((*validator).httpCheck),
		Defaults:     httpDefaults,
		ServicePorts: httpServicePorts,
	}
	LoadKind = Kind{
		Name:         KindLoad,
		Help:         "latency, errors and throughput under constant-rate load",
		Fields:       []string{"service", "port", "expect", "load", "propagation", "budgets"},
		Validate:     builtin((*validator).loadCheck),
		Defaults:     loadDefaults,
		ServicePorts: loadServicePorts,
	}
	PropagationKind = Kind{
		Name:         KindPropagation,
		Help:         "write here, see it there: how long a write takes to show",
		Fields:       []string{"service", "port", "propagation", "budgets"},
		Validate:     builtin((*validator).propagationCheck),
		Defaults:     func(_ *Plan, c *Check) { c.Propagation.applyDefaults() },
		ServicePorts: propagationServicePorts,
	}
	ProvenanceKind = Kind{
		Name:     KindProvenance,
		Help:     "the image each container runs against the intended one",
		Fields:   []string{"provenance"},
		Validate: builtin((*validator).provenanceCheck),
		Defaults: provenanceDefaults,
		Images:   true,
	}
	IntegrityKind = Kind{
		Name:         KindIntegrity,
		Help:         "every manifest, config and layer checked against its digest",
		Fields:       []string{"integrity"},
		Validate:     builtin((*validator).integrityCheck),
		Defaults:     integrityDefaults,
		Images:       true,
		CannotVerify: "it looks at the registry, not at what runs",
	}
	HygieneKind = Kind{
		Name:         KindHygiene,
		Help:         "containers on the stack's ports or names that it does not own",
		Fields:       []string{"hygiene"},
		Validate:     builtin((*validator).hygieneCheck),
		Images:       true,
		CannotVerify: "it looks at the host's other containers and ports, not at what runs",
	}
	PackagesKind = Kind{
		Name:                KindPackages,
		Help:                "package changes between the old and new image nobody declared",
		Fields:              []string{"packages"},
		Defaults:            packagesDefaults,
		ReadsImageUnderTest: func(c *Check) bool { return c.Packages == nil || c.Packages.New == "" },
		Images:              true,
		CannotVerify:        "it compares images, not what runs",
	}
)

func init() {
	for _, k := range []Kind{HTTPKind, LoadKind, PropagationKind, ProvenanceKind, IntegrityKind, HygieneKind, PackagesKind, GinkgoKind, CompareKind} {
		RegisterKind(k)
	}
}

// builtin makes a validator method a kind's Validate: the built-in kinds
// use the validator's own methods, which a kind of another package cannot.
func builtin(check func(v *validator, path string, c *Check)) func(*Check, Problems) {
	return func(c *Check, p Problems) { check(p.v, p.path, c) }
}

func httpServicePorts(c *Check) []ServicePort {
	if c.URL != "" {
		return nil
	}
	return []ServicePort{{c.Service, c.Port}}
}

func loadServicePorts(c *Check) []ServicePort {
	var out []ServicePort
	if c.Load != nil {
		for _, t := range c.Load.Targets {
			out = append(out, t.servicePorts(c.Service)...)
		}
	}
	return append(out, propagationServicePorts(c)...)
}

func propagationServicePorts(c *Check) []ServicePort {
	p := c.Propagation
	if p == nil {
		return nil
	}
	out := p.Write.servicePorts(c.Service)
	for _, r := range p.Reads {
		out = append(out, r.servicePorts(c.Service)...)
	}
	return out
}

// servicePorts is the stack service and port e sends its request to: its
// own service, else the check's; none when it goes to a URL.
func (e Endpoint) servicePorts(checkService string) []ServicePort {
	if e.URL != "" {
		return nil
	}
	return []ServicePort{{cmp.Or(e.Service, checkService), e.Port}}
}
