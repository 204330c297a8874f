package plan

// MeasuresReplica reports whether a check asks the stack's services
// something (a service target of an http, load or propagation check) or
// reads the image under test (a packages check of the run's images). A
// replica run whose checks all go elsewhere — absolute URLs, the host, the
// registry — would start the image under test and ask it nothing: every
// check could pass while it answers 500.
func (p *Plan) MeasuresReplica() bool {
	for _, c := range p.Checks {
		if len(c.ServicePorts()) > 0 {
			return true
		}
		if k, ok := LookupKind(c.Kind); ok && k.ReadsImageUnderTest != nil && k.ReadsImageUnderTest(&c) {
			return true
		}
	}
	return false
}
