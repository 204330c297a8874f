// Package provenance says, for every service of a stack, which image it
// runs and which it should run: per compose container and per Swarm task,
// the running image's digest against the intended one, given or taken as
// the highest semantic-version tag of the repository. It also flags what
// lets the two drift apart: mutable tags (latest) in compose files, and a
// local image whose tag points elsewhere than the registry's (the no-pull
// trap of Swarm, which runs whatever the host has under a tag it could not
// pull).
package provenance

import (
	"context"
	"sync"
)

// Checker checks services against their intended images.
type Checker struct {
	docker  Docker
	reg     Registry
	rules   map[string]Rule
	def     Rule
	mutable []string

	mu       sync.Mutex
	intended map[intentKey]intent
}

// Option configures a Checker.
type Option func(*Checker)

// WithRules sets the rule of each service, by name; a service without one
// gets the zero Rule (the highest semantic-version tag of the repository it
// was deployed from).
func WithRules(rules map[string]Rule) Option { return func(c *Checker) { c.rules = rules } }

// WithDefaultRule sets the rule of services WithRules does not name.
func WithDefaultRule(r Rule) Option { return func(c *Checker) { c.def = r } }

// WithMutableTags names tags that count as mutable besides latest, as
// path.Match globs ("stable", "main-*").
func WithMutableTags(patterns ...string) Option {
	return func(c *Checker) { c.mutable = append(c.mutable, patterns...) }
}

// New returns a checker that asks docker what runs and reg what should.
func New(docker Docker, reg Registry, opts ...Option) *Checker {
	c := &Checker{docker: docker, reg: reg, intended: map[intentKey]intent{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

type intentKey struct {
	rule Rule
	repo string
}

type intent struct {
	in  *Intended
	err error
}

// intend resolves a service's rule, once per rule and repository.
func (c *Checker) intend(ctx context.Context, service, deployed string) (*Intended, error) {
	rule, ok := c.rules[service]
	if !ok {
		rule = c.def
	}
	key := intentKey{rule: rule}
	if rule.Image == "" && rule.Repository == "" {
		key.repo = parseReference(deployed).Repository
	}
	c.mu.Lock()
	got, ok := c.intended[key]
	c.mu.Unlock()
	if ok {
		return got.in, got.err
	}
	in, err := Intend(ctx, c.reg, rule, deployed)
	if ctx.Err() == nil {
		c.mu.Lock()
		c.intended[key] = intent{in, err}
		c.mu.Unlock()
	}
	return in, err
}
