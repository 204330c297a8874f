// Package plan reads and validates postflight plan files (postflight.yaml).
//
// A plan is data, reviewed like code: decoding is strict. An unknown key, a
// wrong type, a bad duration, a missing required field or a reference to a
// service that does not exist is an error naming the file, line and column.
// Every problem in a file is reported at once.
package plan

import (
	"cmp"
	"path/filepath"
	"slices"
	"time"

	"github.com/postflight/postflight/harness/packages"
	"github.com/postflight/postflight/slo"
)

// Version is the plan format version this package reads.
const Version = 1

// Defaults used when a plan leaves a value unset.
const (
	DefaultCheckTimeout  = 5 * time.Second
	DefaultRetryInterval = 500 * time.Millisecond
	DefaultReadyTimeout  = 60 * time.Second
	DefaultRollbackLimit = 5 * time.Minute

	DefaultPropagationSamples     = 20
	DefaultPropagationConcurrency = 4
	DefaultPropagationInterval    = 10 * time.Millisecond
	DefaultPropagationTimeout     = 30 * time.Second
)

// Defaults of a load check.
const (
	// DefaultErrorRate is the error-rate budget of a load check whose
	// budgets name none. It is strict, and like any error-rate budget it
	// needs ⌈1/budget⌉ = 1000 requests to pass: fewer is inconclusive unless
	// the errors already breach it.
	DefaultErrorRate slo.Ratio = 0.001
	// DefaultRateTolerance is how far short of the asked rate the achieved
	// rate may fall: 5%.
	DefaultRateTolerance slo.Ratio = 0.05
	// MaxRateTolerance is the most RateTolerance may be: a load of half the
	// rate asked for is not the load asked for.
	MaxRateTolerance slo.Ratio = 0.5
)

// Plan is a decoded, validated postflight.yaml.
type Plan struct {
	// Path is the file the plan was read from; relative paths inside the
	// plan (the compose file, the report directory) are relative to its
	// directory.
	Path string `yaml:"-"`

	Version  int      `yaml:"version"`
	Name     string   `yaml:"name"`
	Images   Images   `yaml:"images"`
	Stack    Stack    `yaml:"stack"`
	Checks   []Check  `yaml:"checks"`
	Policy   Policy   `yaml:"policy"`
	Rollback Rollback `yaml:"rollback"`
	// Canary is the gradual rollout `postflight canary` makes; nil when
	// the plan has none.
	Canary *Canary `yaml:"canary"`
	Report Report  `yaml:"report"`
}

// Images names the version under test and the one to go back to. The
// command line's --new and --old override them.
type Images struct {
	New string `yaml:"new"`
	Old string `yaml:"old"`
}

// Stack is the system under test: exactly one of Replica or Existing.
type Stack struct {
	Replica  *Replica  `yaml:"replica"`
	Existing *Existing `yaml:"existing"`
}

// Replica is a stack started from a compose file, with the new image swapped
// in for the services under test, on a network of its own, and removed at
// the end of the run.
type Replica struct {
	// Compose is the compose file, relative to the plan's directory.
	Compose string `yaml:"compose"`
	// UnderTest lists the compose services whose image is replaced by the
	// new image (and by the old one when a replica is rolled back).
	UnderTest []string `yaml:"under_test"`
	// ReadyTimeout bounds how long every service may take to become ready.
	ReadyTimeout Duration `yaml:"ready_timeout"`
	// Ready optionally names, per service, an HTTP path that answers 2xx
	// once the service is ready. A service with a compose healthcheck waits
	// for it; one with neither waits for its ports to be mapped.
	Ready map[string]ReadyProbe `yaml:"ready"`
}

// ReadyProbe is an HTTP readiness probe.
type ReadyProbe struct {
	Path string `yaml:"path"`
	Port int    `yaml:"port"`
}

// Existing is a stack that is already running: base URLs per service.
type Existing struct {
	Services map[string]ExistingService `yaml:"services"`
}

// ExistingService is one service of an existing stack.
type ExistingService struct {
	URL string `yaml:"url"`
}

// Names of the built-in check kinds (HTTPKind, LoadKind, ...).
const (
	KindHTTP        = "http"
	KindLoad        = "load"
	KindPropagation = "propagation"
	KindProvenance  = "provenance"
	KindIntegrity   = "integrity"
	KindHygiene     = "hygiene"
	KindPackages    = "packages"
)

// ImageKinds are the kinds `postflight check images` runs: the registered
// kinds with Images set, in the order they were registered. RegisterKind
// keeps it.
var ImageKinds []string

// Check is one thing to verify. Kind selects which fields apply.
type Check struct {
	Name string `yaml:"name"`
	// Kind names a registered kind (see Kinds): "http" (a request and what
	// must come back), "load" (latency, errors and throughput under
	// constant-rate load, optionally with propagation measured meanwhile),
	// "propagation" (write here, see it there), and the image kinds.
	Kind string `yaml:"kind"`
	// Service names the stack service the request goes to; Port picks one
	// of its ports when it has several. URL, instead, is an absolute URL.
	Service string      `yaml:"service"`
	Port    int         `yaml:"port"`
	URL     string      `yaml:"url"`
	Request HTTPRequest `yaml:"request"`
	Expect  HTTPExpect  `yaml:"expect"`
	// Timeout bounds one attempt.
	Timeout Duration `yaml:"timeout"`
	// Retries is how many more attempts are made after a failed one,
	// RetryInterval apart; a check passes on its first passing attempt.
	Retries       int      `yaml:"retries"`
	RetryInterval Duration `yaml:"retry_interval"`

	// Load is the load a "load" check sends.
	Load *LoadSpec `yaml:"load"`
	// Propagation is what a "propagation" check measures; a "load" check
	// may measure it too, while its load runs.
	Propagation *Propagation `yaml:"propagation"`
	// Budgets are what a load or propagation check is held to.
	Budgets Budgets `yaml:"budgets"`

	// Provenance, Integrity and Hygiene configure checks of those kinds.
	Provenance *ProvenanceSpec `yaml:"provenance"`
	Integrity  *IntegritySpec  `yaml:"integrity"`
	Hygiene    *HygieneSpec    `yaml:"hygiene"`
	Packages   *PackagesSpec   `yaml:"packages"`
	// Ginkgo names the suite a "ginkgo" check runs.
	Ginkgo *GinkgoSpec `yaml:"ginkgo"`
	// Compare is what a "compare" check sends to its baseline and canary.
	Compare *CompareSpec `yaml:"compare"`
}

// PackagesSpec compares the packages of the old and the new image and fails
// on changes nobody declared.
type PackagesSpec struct {
	// Old and New are image references (see `postflight diff --help`);
	// default the run's old and new images, from the local daemon.
	Old string `yaml:"old"`
	New string `yaml:"new"`
	// Expected are the changes the deploy is meant to ship:
	// "[ECOSYSTEM:]NAME-GLOB [VERSION-CONSTRAINT]", e.g. "pypi:eventlet >=0.20.1".
	Expected []packages.Expectation `yaml:"expected"`
	// FailOn are the rules that fail the check: unexpected, removed,
	// downgrade, major. Default: unexpected, removed, downgrade.
	FailOn []packages.Rule `yaml:"fail_on"`
}

// ProvenanceSpec says which deployed services to look at and what they
// should run: for each container of a compose project, or each task of a
// Swarm service, the running image's digest against the intended one.
type ProvenanceSpec struct {
	ComposeProject string   `yaml:"compose_project"`
	SwarmServices  []string `yaml:"swarm_services"`
	// Intended is "highest-semver" (the default: the highest semantic-version
	// tag of the repository each service was deployed from) or an image
	// reference every service must run.
	Intended string `yaml:"intended"`
	// Prereleases lets a pre-release tag be the highest.
	Prereleases bool `yaml:"prereleases"`
	// Constraint keeps the highest version within a range ("~1.4").
	Constraint string `yaml:"constraint"`
	// MutableTags are tags that count as mutable besides latest (globs).
	MutableTags []string `yaml:"mutable_tags"`
	// Compose is a compose file to scan for mutable tags, relative to the
	// plan; each one is flagged with its line and column.
	Compose string `yaml:"compose"`
}

// IntendedHighestSemver is ProvenanceSpec.Intended's default.
const IntendedHighestSemver = "highest-semver"

// IntegritySpec names the images whose every manifest, config and layer is
// fetched from the registry and verified against its digest.
type IntegritySpec struct {
	// Images are registry references; "new" and "old" stand for the run's
	// images. Default: [new, old].
	Images []string `yaml:"images"`
	// Platforms limits an index to these ("linux/amd64"); default all.
	Platforms []string `yaml:"platforms"`
	// Timeout is how long the registry may take to answer one request (to
	// connect, to send the headers, and between bytes of a body) before
	// the check gives up on it as inconclusive. Default:
	// DefaultIntegrityTimeout.
	Timeout Duration `yaml:"timeout"`
}

// DefaultIntegrityTimeout bounds each request of an integrity check: a
// registry that accepts connections and never answers is inconclusive
// after this long, not after the transport's own minutes.
const DefaultIntegrityTimeout = 10 * time.Second

// HygieneSpec says what the stack holds on the host: containers that
// publish its ports or carry its names but belong to none of its owners
// are orphans, and a port it needs that something else holds is flagged.
type HygieneSpec struct {
	Ports []int    `yaml:"ports"`
	Names []string `yaml:"names"`
	// ComposeProjects and SwarmServices own the stack's containers.
	ComposeProjects []string `yaml:"compose_projects"`
	SwarmServices   []string `yaml:"swarm_services"`
}

// LoadSpec is an open-model (constant-rate) load: requests go out at Rate
// whatever the answers take, as users' requests do.
type LoadSpec struct {
	Rate     slo.Rate `yaml:"rate"`
	Duration Duration `yaml:"duration"`
	// Warmup is sent at the same rate before Duration and left out of the
	// figures.
	Warmup Duration `yaml:"warmup"`
	// Targets share the load in proportion to their weights. A target
	// without service or url goes to the check's service. Each answer is
	// judged against its target's expect, else the check's expect, else
	// expected to have a 2xx or 3xx status; any other answer is an error.
	Targets []Endpoint `yaml:"targets"`
	// RateTolerance is how far the achieved rate may fall short of Rate
	// before the check is inconclusive: the load asked for was not applied.
	// Default DefaultRateTolerance; at most 50%.
	RateTolerance *slo.Ratio `yaml:"rate_tolerance"`
	// MaxWorkers caps the requests in flight; 0 (unset) is no cap. A cap
	// below rate × latency holds the rate back, which RateTolerance catches.
	MaxWorkers int `yaml:"max_workers"`
}

// Tolerance is the rate tolerance, defaulted.
func (l *LoadSpec) Tolerance() slo.Ratio {
	if l.RateTolerance == nil {
		return DefaultRateTolerance
	}
	return *l.RateTolerance
}

// Propagation writes a unique token through Write and polls every one of
// Reads until the token shows; the delay is the time it took to show on
// the last of them. "{token}" is replaced in paths, URLs, headers and bodies.
type Propagation struct {
	Write Endpoint   `yaml:"write"`
	Reads []Endpoint `yaml:"reads"`
	// Field, when set, is a JSONPath ("$.value"): a read shows the token
	// when its JSON body has it there. Otherwise the body must contain it.
	Field string `yaml:"field"`
	// Samples is how many tokens are written; Concurrency how many are in
	// flight at once.
	Samples     int `yaml:"samples"`
	Concurrency int `yaml:"concurrency"`
	// Interval is the time between polls of a read.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one sample; a token that does not show by then counts
	// as the timeout, never as missing.
	Timeout Duration `yaml:"timeout"`
}

// Endpoint is a request to a stack service (or the check's service) or to
// an absolute URL.
type Endpoint struct {
	Service string            `yaml:"service"`
	Port    int               `yaml:"port"`
	URL     string            `yaml:"url"`
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Body    string            `yaml:"body"`
	// Weight is a load target's share of the load; default 1.
	Weight int `yaml:"weight"`
	// Expect is what a load target's answers must be, instead of the
	// check's expect.
	Expect *HTTPExpect `yaml:"expect"`
}

// Budgets are the numbers a load or propagation check is held to; unset
// ones are not judged.
type Budgets struct {
	// Latency holds latency percentiles of the load's requests.
	Latency Percentiles `yaml:"latency"`
	// ErrorRate is the highest share of requests that may fail ("0.1%"):
	// wrong answers, and requests that got no answer. A load check that
	// names none is held to DefaultErrorRate: every load check judges its
	// errors.
	ErrorRate *slo.Ratio `yaml:"error_rate"`
	// Throughput is the lowest rate of successful requests ("95/s").
	Throughput *slo.Rate `yaml:"throughput"`
	// Propagation holds percentiles of the propagation delay.
	Propagation Percentiles `yaml:"propagation"`
}

// Percentiles are budgets on percentiles of a delay: "p99: 250ms".
type Percentiles struct {
	P50  *slo.Latency `yaml:"p50"`
	P90  *slo.Latency `yaml:"p90"`
	P95  *slo.Latency `yaml:"p95"`
	P99  *slo.Latency `yaml:"p99"`
	P999 *slo.Latency `yaml:"p999"`
	Max  *slo.Latency `yaml:"max"`
}

// HTTPRequest is the request an http check sends.
type HTTPRequest struct {
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Body    string            `yaml:"body"`
}

// HTTPExpect is what an http check expects back, or what a load check
// expects of every answer. Unset fields are not checked; Status defaults to
// 200.
type HTTPExpect struct {
	Status       int               `yaml:"status"`
	BodyContains string            `yaml:"body_contains"`
	BodyRegexp   string            `yaml:"body_regexp"`
	JSON         map[string]string `yaml:"json"`
	Headers      map[string]string `yaml:"headers"`
	// JSONTypes holds, by selector of JSON, the JSON type its value must
	// have as well as its text: JSONNumber, JSONBoolean or JSONNull, for a
	// value the plan wrote unquoted as one. A selector without one takes
	// its text in any type ("42" is met by 42 and "42").
	JSONTypes map[string]string `yaml:"-"`
}

// The JSON types an expect.json value can demand.
const (
	JSONNumber  = "number"
	JSONBoolean = "boolean"
	JSONNull    = "null"
)

// Policy decides what the run does with its verdict.
type Policy struct {
	// Inconclusive is what an inconclusive verdict does: "hold" (no
	// rollback, exit code for inconclusive) or "rollback". It never passes.
	Inconclusive string `yaml:"inconclusive"`
	// FailFast stops the check phase at the first check that failed: the
	// verdict is a fail whatever the rest would say, so the run decides and
	// rolls back at once. The checks not run are reported as not run
	// (inconclusive), never as passed. On unless set to false, which
	// measures every check (see FailsFast).
	FailFast *bool `yaml:"fail_fast"`
	// Regression, when set, holds each objective of the run against the
	// same objective in earlier runs of the plan (the history) before the
	// verdict: see Regression.
	Regression *Regression `yaml:"regression"`
}

// Regression is the rule that compares a run with the history of its plan.
// An objective regressed when it is worse than the median of the last Runs
// comparable runs by more than Tolerance, and its distribution is worse at
// Significance (one-sided Mann-Whitney U). Unset fields take the defaults
// below.
type Regression struct {
	// Runs is how many earlier runs make a baseline; with fewer there is
	// no baseline, which is reported and is never a pass of the comparison.
	Runs int `yaml:"runs"`
	// Tolerance is the change from the baseline's median accepted in the
	// worse direction ("10%").
	Tolerance *slo.Ratio `yaml:"tolerance"`
	// Significance is the largest p-value at which a change beyond the
	// tolerance is flagged (0.01).
	Significance *Probability `yaml:"significance"`
	// OnRegression is what a regression does: "warn" (reported, the
	// verdict stands) or "fail" (the verdict fails, and the run rolls back
	// as for any failed check).
	OnRegression string `yaml:"on_regression"`
}

// Defaults of policy.regression.
const (
	DefaultRegressionRuns                     = 7
	DefaultRegressionTolerance    slo.Ratio   = 0.10
	DefaultRegressionSignificance Probability = 0.01
	DefaultOnRegression                       = RegressionWarn
)

// policy.regression.on_regression values.
const (
	RegressionWarn = "warn"
	RegressionFail = "fail"
)

// Fails says whether a regression fails the run.
func (r *Regression) Fails() bool { return r != nil && r.OnRegression == RegressionFail }

// FailsFast says whether the check phase stops at its first failed check:
// policy.fail_fast, true when unset.
func (p Policy) FailsFast() bool { return p.FailFast == nil || *p.FailFast }

// Policy values.
const (
	InconclusiveHold     = "hold"
	InconclusiveRollback = "rollback"
)

// Rollback driver names, as a plan writes them; RollbackDrivers lists
// them all. The rollback package drives them.
const (
	DriverCommand = "command"
	DriverSwarm   = "swarm"
	DriverDocker  = "docker"
	DriverWebhook = "webhook"
)

// RollbackDrivers are the rollback drivers a plan may name.
var RollbackDrivers = []string{DriverCommand, DriverSwarm, DriverDocker, DriverWebhook}

// Rollback says how to put the old version back, and what to verify after.
type Rollback struct {
	// Driver is "command", "swarm", "docker" or "webhook"; empty means no
	// rollback is configured. The field of the driver's name configures it.
	Driver  string           `yaml:"driver"`
	Command []string         `yaml:"command"`
	Swarm   *SwarmRollback   `yaml:"swarm"`
	Docker  *DockerRollback  `yaml:"docker"`
	Webhook *WebhookRollback `yaml:"webhook"`
	// Timeout bounds the rollback (the command, the convergence).
	Timeout Duration `yaml:"timeout"`
	// Verify names checks (from Checks) to run again after the rollback.
	Verify []string `yaml:"verify"`
	// StateDir holds rollback journals and locks, relative to the plan;
	// default $POSTFLIGHT_STATE_DIR, else $XDG_STATE_HOME/postflight, else
	// ~/.local/state/postflight.
	StateDir string `yaml:"state_dir"`
	// LockTimeout bounds the wait for another rollback of the same target.
	LockTimeout Duration `yaml:"lock_timeout"`
}

// SwarmRollback rolls Swarm services back to their previous spec, or to an
// image, and waits until every task runs the old image.
type SwarmRollback struct {
	Services []string `yaml:"services"`
	// Stack names a `docker stack` whose services all roll back together.
	Stack string `yaml:"stack"`
	// Image, when set, is what the services go back to; else their
	// previous spec.
	Image string `yaml:"image"`
	// Nodes are the Docker daemons of the swarm's other nodes, by node
	// hostname or ID ("worker1": "ssh://deploy@worker1"): verification
	// reads there the image of a task whose image reference pins no
	// digest.
	Nodes map[string]string `yaml:"nodes"`
}

// DockerRollback recreates containers with the old image and otherwise the
// same configuration, one at a time.
type DockerRollback struct {
	// Project selects a compose project's containers; Labels ("k=v")
	// select containers otherwise; Services narrows either.
	Project  string   `yaml:"project"`
	Labels   []string `yaml:"labels"`
	Services []string `yaml:"services"`
	// Image, when set, is what the containers go back to; else the run's
	// old image.
	Image         string   `yaml:"image"`
	HealthTimeout Duration `yaml:"health_timeout"`
}

// WebhookRollback asks another system to roll back: a JSON POST signed with
// HMAC-SHA256 over the body.
type WebhookRollback struct {
	URL string `yaml:"url"`
	// SecretEnv names the environment variable that holds the secret.
	SecretEnv string   `yaml:"secret_env"`
	Attempts  int      `yaml:"attempts"`
	Backoff   Duration `yaml:"backoff"`
	// CAFile trusts this CA besides the system's; TLS is always verified.
	CAFile string `yaml:"ca_file"`
}

// Report says where reports go.
type Report struct {
	// Dir is the report directory, relative to the plan's directory. The
	// command line's --report-dir overrides it.
	Dir string `yaml:"dir"`
}

// Duration is a time.Duration written in a plan as "250ms", "5s", "1m30s".
type Duration struct {
	time.Duration
	// Set tells an explicit zero from an unset value.
	Set bool
}

// Or returns d, or def when d was not set.
func (d Duration) Or(def time.Duration) time.Duration {
	if !d.Set {
		return def
	}
	return d.Duration
}

// Dir is the directory relative paths in the plan are resolved against.
func (p *Plan) Dir() string { return filepath.Dir(p.Path) }

// Resolve returns a path written in the plan as the file it names: an
// absolute path as it is, a relative one relative to the plan's directory.
// Every path field of a plan (stack.replica.compose, provenance.compose,
// report.dir, rollback.state_dir, the webhook's ca_file) goes through it.
// An empty path stays empty: the field is unset.
func (p *Plan) Resolve(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(p.Dir(), name)
}

// ServicePort is a stack service and one of its ports (0: its only one).
type ServicePort struct {
	Service string
	Port    int
}

// ServicePorts lists the stack services a check sends requests to, as its
// kind says (Kind.ServicePorts). A check without a kind, built in Go, is
// an http check.
func (c Check) ServicePorts() []ServicePort {
	k, ok := LookupKind(cmp.Or(c.Kind, KindHTTP))
	if !ok || k.ServicePorts == nil {
		return nil
	}
	var out []ServicePort
	for _, sp := range k.ServicePorts(&c) {
		if sp.Service != "" && !slices.Contains(out, sp) {
			out = append(out, sp)
		}
	}
	return out
}
