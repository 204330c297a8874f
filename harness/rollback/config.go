package rollback

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/postflight/postflight/harness/plan"
)

// Driver names, as a plan writes them (the plan's list is the one list).
const (
	DriverCommand = plan.DriverCommand
	DriverSwarm   = plan.DriverSwarm
	DriverDocker  = plan.DriverDocker
	DriverWebhook = plan.DriverWebhook
)

// Drivers lists the driver names New knows.
var Drivers = plan.RollbackDrivers

// Config selects a driver and configures it: Driver names it, and the field
// of that name holds its configuration. It is plain data, decoded from a
// plan and written to journals.
type Config struct {
	Driver  string         `json:"driver" yaml:"driver"`
	Command *CommandConfig `json:"command,omitempty" yaml:"command"`
	Swarm   *SwarmConfig   `json:"swarm,omitempty" yaml:"swarm"`
	Docker  *DockerConfig  `json:"docker,omitempty" yaml:"docker"`
	Webhook *WebhookConfig `json:"webhook,omitempty" yaml:"webhook"`
}

// New builds the driver a config selects; nil when it selects none.
func New(cfg Config) (Driver, error) {
	missing := func() error {
		return fmt.Errorf("rollback driver %q needs its configuration (%s:)", cfg.Driver, cfg.Driver)
	}
	switch cfg.Driver {
	case "":
		return nil, nil
	case DriverCommand:
		if cfg.Command == nil {
			return nil, missing()
		}
		return NewCommand(*cfg.Command)
	case DriverSwarm:
		if cfg.Swarm == nil {
			return nil, missing()
		}
		return NewSwarm(*cfg.Swarm)
	case DriverDocker:
		if cfg.Docker == nil {
			return nil, missing()
		}
		return NewDocker(*cfg.Docker)
	case DriverWebhook:
		if cfg.Webhook == nil {
			return nil, missing()
		}
		return NewWebhook(*cfg.Webhook)
	}
	return nil, fmt.Errorf("unknown rollback driver %q; known drivers are %s", cfg.Driver, strings.Join(Drivers, ", "))
}

// FromPlan returns the rollback a plan configures; nil when it configures
// none. Its state directory is the plan's rollback.state_dir (relative to
// the plan's directory, symlinks resolved: see PlanPath), else
// DefaultStateDir: every rollback is journaled and locked.
func FromPlan(p *plan.Plan) (*Runner, error) {
	r := p.Rollback
	if r.Driver == "" {
		return nil, nil
	}
	d, err := New(ConfigFromPlan(p))
	if err != nil {
		return nil, err
	}
	dir := r.StateDir
	switch {
	case dir == "":
		if dir, err = DefaultStateDir(); err != nil {
			return nil, err
		}
	case !filepath.IsAbs(dir):
		dir = filepath.Join(planDir(p.Path), dir)
	}
	return &Runner{Driver: d, StateDir: dir, LockTimeout: r.LockTimeout.Or(DefaultLockTimeout)}, nil
}

// ConfigFromPlan maps a plan's rollback section to a driver Config. Paths
// relative to the plan are made absolute (see PlanPath): a journal is
// resumed from any working directory, and its targets name one place.
func ConfigFromPlan(p *plan.Plan) Config {
	r := p.Rollback
	dir := planDir(p.Path)
	timeout := r.Timeout.Or(plan.DefaultRollbackLimit)
	cfg := Config{Driver: r.Driver}
	switch r.Driver {
	case DriverCommand:
		cfg.Command = &CommandConfig{Argv: r.Command, Dir: dir, Timeout: timeout}
	case DriverSwarm:
		if s := r.Swarm; s != nil {
			cfg.Swarm = &SwarmConfig{Services: s.Services, Stack: s.Stack, Image: s.Image, Nodes: s.Nodes, Timeout: timeout}
		}
	case DriverDocker:
		if d := r.Docker; d != nil {
			cfg.Docker = &DockerConfig{Project: d.Project, Labels: d.Labels, Services: d.Services, Image: d.Image,
				HealthTimeout: d.HealthTimeout.Duration}
		}
	case DriverWebhook:
		if w := r.Webhook; w != nil {
			cfg.Webhook = &WebhookConfig{URL: w.URL, SecretEnv: w.SecretEnv, Timeout: timeout, Attempts: w.Attempts,
				Backoff: w.Backoff.Duration, CAFile: w.CAFile}
			if cfg.Webhook.CAFile != "" && !filepath.IsAbs(cfg.Webhook.CAFile) {
				cfg.Webhook.CAFile = filepath.Join(dir, cfg.Webhook.CAFile)
			}
		}
	}
	return cfg
}
