package history

import (
	"errors"
	"fmt"
	"time"

	"github.com/postflight/postflight/slo"
)

// RunRecord is what the history keeps of one run.
type RunRecord struct {
	// Plan is the plan's name; runs of the same plan are comparable.
	Plan string
	// PlanPath is where the plan was read from.
	PlanPath string
	// RunID names the run; unique in a history.
	RunID string
	// Started is when the run began.
	Started time.Time
	// Images are the images the run deployed.
	Images []Image
	// Verdict is the run's overall status.
	Verdict slo.Status
	// Outcome says in words how the run ended ("passed", "rolled back").
	Outcome string
	// Objectives are every objective of every check, with its observation.
	Objectives []Objective
	// Distributions are the latency distributions of the load checks.
	Distributions []Distribution
}

// Image is one image of a run.
type Image struct {
	Service   string
	Reference string
	Digest    string
}

// Objective is one objective of one check as a run observed it.
type Objective struct {
	// Check and Name identify the objective within a plan ("p95 latency").
	Check string
	Name  string
	// Observed and Budget are in Unit ("ms", "%", "req/s").
	Observed float64
	Budget   float64
	Unit     string
	// Bound says which side of the budget passes, and so which direction
	// of change is worse.
	Bound  slo.Bound
	Status slo.Status
	// Distribution names the distribution of the same check that the
	// objective is a statistic of ("latency"); empty when there is none.
	Distribution string
}

// Distribution is one named distribution of one check.
type Distribution struct {
	Check     string
	Name      string
	Histogram *Histogram
}

// distribution returns the named distribution of check, or nil.
func (r RunRecord) distribution(check, name string) *Histogram {
	for _, d := range r.Distributions {
		if d.Check == check && d.Name == name {
			return d.Histogram
		}
	}
	return nil
}

// Validate reports every field a store needs and the record lacks.
func (r RunRecord) Validate() error {
	var errs []error
	if r.Plan == "" {
		errs = append(errs, errors.New("no plan name"))
	}
	if r.RunID == "" {
		errs = append(errs, errors.New("no run id"))
	}
	if r.Started.IsZero() {
		errs = append(errs, errors.New("no start time"))
	}
	seen := map[[2]string]bool{}
	for _, o := range r.Objectives {
		k := [2]string{o.Check, o.Name}
		if o.Check == "" || o.Name == "" {
			errs = append(errs, fmt.Errorf("objective %q of check %q: check and name are both needed", o.Name, o.Check))
		} else if seen[k] {
			errs = append(errs, fmt.Errorf("objective %q of check %q: twice", o.Name, o.Check))
		}
		seen[k] = true
	}
	for _, d := range r.Distributions {
		if d.Histogram == nil {
			errs = append(errs, fmt.Errorf("distribution %q of check %q: no histogram", d.Name, d.Check))
		}
	}
	return errors.Join(errs...)
}
