package rollback

import (
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/plan"
)

// Driver names, as a plan writes them.
const (
	DriverCommand = "command"
	DriverSwarm   = "swarm"
	DriverDocker  = "docker"
	DriverWebhook = "webhook"
)

// Drivers lists the driver names New knows.
var Drivers = []string{DriverCommand, DriverSwarm, DriverDocker, DriverWebhook}

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
// none. The Runner has no state directory: set StateDir (DefaultStateDir)
// to journal and lock the rollback.
func FromPlan(p *plan.Plan) (*Runner, error) {
	r := p.Rollback
	cfg := Config{Driver: r.Driver}
	switch r.Driver {
	case "":
		return nil, nil
	case DriverCommand:
		cfg.Command = &CommandConfig{Argv: r.Command, Dir: p.Dir(), Timeout: r.Timeout.Or(plan.DefaultRollbackLimit)}
	}
	d, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Runner{Driver: d}, nil
}
