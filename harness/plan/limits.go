package plan

import "time"

// Limits on what a plan may ask for. A plan is input from outside the
// process: a number past these is a mistake (or an attack) that would
// overflow, hang the run or exhaust memory, and is an error naming the
// allowed range rather than something to try.
const (
	// MaxPlanSize is the largest plan file read, in bytes.
	MaxPlanSize = 1 << 20
	// MaxNesting is the deepest a plan's YAML may nest mappings and lists.
	// A real plan nests fewer than ten deep; the cap keeps a hostile file
	// of brackets from costing the parsers time and memory.
	MaxNesting = 64
	// MaxValues bounds the values a plan decodes to, aliases expanded, so
	// that a small file of nested aliases cannot expand without end.
	MaxValues = 100_000

	// MaxChecks is the most checks a plan may list.
	MaxChecks = 1000
	// MaxTargets is the most targets one load may share its requests among.
	MaxTargets = 100
	// MaxReads is the most read endpoints of one propagation measurement.
	MaxReads = 100

	// MaxRetries is the most retries of an http check.
	MaxRetries = 1000
	// MaxSamples is the most propagation samples of one check.
	MaxSamples = 10_000
	// MaxConcurrency is the most propagation samples in flight at once.
	MaxConcurrency = 1000
	// MaxWeight is the largest weight of a load target.
	MaxWeight = 1000
	// MaxWebhookAttempts is the most attempts of a webhook rollback.
	MaxWebhookAttempts = 100

	// MaxRate is the highest load rate, in requests per second.
	MaxRate = 100_000
	// MaxLoadRequests bounds the requests one load sends, warm-up
	// included: rate x (warmup + duration).
	MaxLoadRequests = 10_000_000

	// MaxDuration is the longest duration a plan may give anything:
	// timeouts, intervals, warm-ups, loads, waits.
	MaxDuration = 24 * time.Hour
)
