package plan

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/postflight/postflight/harness/canary"
)

// Canary is a gradual rollout of the new image to running Swarm services
// (`postflight canary`): step by step, a share of the tasks moves to the new
// version and the plan's checks judge it before the next step.
type Canary struct {
	// Services maps the stack's services, as the checks name them, to the
	// Swarm services rolled out: {writer: shop_writer}. Checks of such a
	// service go to the tasks of the canary during a step, and to the
	// stable service's tasks when the rollout is verified.
	Services map[string]string `yaml:"services"`
	// Host is the Docker daemon of a Swarm manager; the environment's
	// (DOCKER_HOST, the current context) when empty.
	Host string `yaml:"host"`
	// Steps are the shares of the tasks on the new version, step by step:
	// a list ([{percent: 30, min: 1, max: 5}, {percent: 100}]) or a linear
	// ramp ({over: 2h, every: 10m}).
	Steps CanarySteps `yaml:"steps"`
	// Interval is how long a step runs once its tasks converged before
	// its checks judge it; DefaultCanaryInterval when unset. A ramp's
	// interval is its every.
	Interval Duration `yaml:"interval"`
	// Timeout bounds the wait for the services to converge on a step;
	// DefaultCanaryTimeout when unset.
	Timeout Duration `yaml:"timeout"`
	// Checks names the checks that judge each step; every check of the
	// plan when empty.
	Checks []string `yaml:"checks"`
	// Verify names the checks run against the stable services after an
	// abort or a promotion; rollback.verify when empty, else the step
	// checks.
	Verify []string `yaml:"verify"`
	// Inconclusive is what a step whose verdict is inconclusive does:
	// "pause" (the default: wait for a person's resume, abort or promote)
	// or "abort". It never advances.
	Inconclusive string `yaml:"inconclusive"`
	// StateDir holds the rollout's journal, lock and control requests,
	// relative to the plan; rollback.state_dir when unset, else the
	// default state directory.
	StateDir string `yaml:"state_dir"`
}

// CanarySteps are a list of steps or a linear ramp, as the plan writes
// them: exactly one is set.
type CanarySteps struct {
	List   []CanaryStep
	Linear *CanaryLinear
}

// CanaryStep is one step of a list: a percentage of the tasks, with an
// optional floor and ceiling on their number.
type CanaryStep struct {
	Percent Percent `yaml:"percent"`
	Min     int     `yaml:"min"`
	Max     int     `yaml:"max"`
}

// CanaryLinear is a ramp: a step every Every, the share growing linearly to
// 100% at Over.
type CanaryLinear struct {
	Over  Duration `yaml:"over"`
	Every Duration `yaml:"every"`
	Min   int      `yaml:"min"`
	Max   int      `yaml:"max"`
}

// Percent is a share written as 30, 12.5 or "30%".
type Percent float64

// UnmarshalText reads "30", "12.5" or "30%".
func (p *Percent) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(b)), "%"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("expected a percentage like 30 or 12.5%%, got %q", string(b))
	}
	*p = Percent(f)
	return nil
}

// Canary policy values for an inconclusive step.
const (
	CanaryPause = "pause"
	CanaryAbort = "abort"
)

// Canary defaults.
const (
	DefaultCanaryInterval = 30 * time.Second
	DefaultCanaryTimeout  = 2 * time.Minute
)

// StepList is the rollout's steps as harness/canary reads them.
func (c *Canary) StepList() ([]canary.Step, error) {
	if l := c.Steps.Linear; l != nil {
		return canary.Linear{Over: l.Over.Duration, Every: l.Every.Duration, Min: l.Min, Max: l.Max}.Steps()
	}
	out := make([]canary.Step, len(c.Steps.List))
	for i, s := range c.Steps.List {
		out[i] = canary.Step{Percent: float64(s.Percent), Min: s.Min, Max: s.Max}
	}
	return out, nil
}

// SwarmService is the Swarm service behind a stack service, "" when the
// rollout does not move it.
func (c *Canary) SwarmService(service string) string { return c.Services[service] }

var canaryStepsType = reflect.TypeFor[CanarySteps]()

// canarySteps decodes steps written as a list or as a ramp's mapping.
func (d *decoder) canarySteps(n *yaml.Node, v reflect.Value, path string) {
	s := v.Addr().Interface().(*CanarySteps)
	switch n.Kind {
	case yaml.SequenceNode:
		d.sequence(n, reflect.ValueOf(&s.List).Elem(), path)
	case yaml.MappingNode:
		s.Linear = &CanaryLinear{}
		d.structure(n, reflect.ValueOf(s.Linear).Elem(), path)
	default:
		d.reject(n, path, "expected a list of steps ([{percent: 30}, ...]) or a ramp ({over: 2h, every: 10m}), got %s", describe(n))
	}
}

func (v *validator) canary() {
	c := v.plan.Canary
	const path = "canary"
	if c == nil || v.bad[path] {
		return
	}
	if v.plan.Stack.Existing == nil && v.plan.Stack.Replica != nil {
		v.failKey("stack.replica", "a canary rolls out running services: the stack must be existing, not replica")
	}
	if v.required(path, "services") && len(c.Services) == 0 && !v.bad[path+".services"] {
		v.fail(path+".services", "expected at least one service: stack service: swarm service")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		kp := joinKey(path+".services", name)
		if v.services != nil {
			if _, ok := v.services[name]; !ok {
				v.failKey(kp, "%s", v.undefined(name))
			}
		}
		if c.Services[name] == "" && !v.bad[kp] {
			v.fail(kp, "expected the name of a Swarm service")
		}
	}
	if v.required(path, "steps") && !v.bad[path+".steps"] {
		v.canaryStepList(c)
	}
	v.positive(path+".interval", c.Interval)
	v.positive(path+".timeout", c.Timeout)
	if c.Steps.Linear != nil && v.has(path+".interval") {
		v.fail(path+".interval", "a ramp waits its every between steps: leave interval out")
	}
	if v.has(path+".inconclusive") && c.Inconclusive != CanaryPause && c.Inconclusive != CanaryAbort {
		v.fail(path+".inconclusive", "expected %q or %q, got %q", CanaryPause, CanaryAbort, c.Inconclusive)
	}
	names := checkNames(v.plan.Checks)
	for i, name := range c.Checks {
		if !slices.Contains(names, name) {
			v.fail(fmt.Sprintf("%s.checks[%d]", path, i), "no check is named %q%s", name, didYouMean(name, names))
		}
	}
	for i, name := range c.Verify {
		v.verifyCheck(fmt.Sprintf("%s.verify[%d]", path, i), name)
	}
}

// canaryStepList checks the steps, each problem at its value.
func (v *validator) canaryStepList(c *Canary) {
	const path = "canary.steps"
	if l := c.Steps.Linear; l != nil {
		okOver, okEvery := v.required(path, "over"), v.required(path, "every")
		v.canaryBounds(path, l.Min, l.Max)
		if !okOver || !okEvery {
			return
		}
		if _, err := c.StepList(); err != nil {
			v.fail(path, "%v", err)
		}
		return
	}
	if len(c.Steps.List) == 0 {
		v.fail(path, "expected at least one step")
		return
	}
	if len(c.Steps.List) > canary.MaxSteps {
		v.fail(path, "expected at most %d steps, got %d", canary.MaxSteps, len(c.Steps.List))
	}
	prev := Percent(0)
	for i, s := range c.Steps.List {
		sp := fmt.Sprintf("%s[%d]", path, i)
		v.canaryBounds(sp, s.Min, s.Max)
		if !v.required(sp, "percent") {
			continue
		}
		switch {
		case !(s.Percent > 0 && s.Percent <= 100):
			v.fail(sp+".percent", "expected a percentage above 0 and at most 100, got %v", float64(s.Percent))
		case s.Percent <= prev:
			v.fail(sp+".percent", "expected each step above the one before (%v), got %v", float64(prev), float64(s.Percent))
		default:
			prev = s.Percent
		}
	}
}

func (v *validator) canaryBounds(path string, lo, hi int) {
	if lo < 0 {
		v.fail(path+".min", "expected a number of tasks that is not negative, got %d", lo)
	}
	if hi < 0 {
		v.fail(path+".max", "expected a number of tasks that is not negative, got %d", hi)
	}
	if hi > 0 && lo > hi {
		v.fail(path+".max", "expected a ceiling at or above the floor %d, got %d", lo, hi)
	}
}

// canaryDefaults fills in a canary's unset values.
func (p *Plan) canaryDefaults() {
	c := p.Canary
	if c == nil {
		return
	}
	if c.Inconclusive == "" {
		c.Inconclusive = CanaryPause
	}
	if l := c.Steps.Linear; l != nil {
		c.Interval = Duration{Duration: l.Every.Duration, Set: true}
	}
	setDefault(&c.Interval, DefaultCanaryInterval)
	setDefault(&c.Timeout, DefaultCanaryTimeout)
	if len(c.Checks) == 0 {
		c.Checks = checkNames(p.Checks)
	}
	if len(c.Verify) == 0 {
		c.Verify = p.Rollback.Verify
	}
	if len(c.Verify) == 0 {
		for _, name := range c.Checks {
			if kindCannotVerify(p.Check(name).Kind) == "" {
				c.Verify = append(c.Verify, name)
			}
		}
	}
	if c.StateDir == "" {
		c.StateDir = p.Rollback.StateDir
	}
}

// Check returns the check named name; the zero Check when there is none.
func (p *Plan) Check(name string) Check {
	for _, c := range p.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

func checkNames(checks []Check) []string {
	var out []string
	for _, c := range checks {
		if c.Name != "" {
			out = append(out, c.Name)
		}
	}
	return out
}
