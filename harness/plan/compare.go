package plan

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/postflight/postflight/slo"
	"github.com/postflight/postflight/slo/compare"
)

// KindCompare sends the same load to a baseline and a canary at once and
// compares what they answered.
const KindCompare = "compare"

// CompareSpec is what a "compare" check sends and how it judges. The two
// sides are the check's service, resolved to the canary and to the
// baseline of a canary rollout, or BaselineURL and CanaryURL.
type CompareSpec struct {
	// BaselineURL and CanaryURL are the sides' base URLs, given together,
	// instead of the check's service.
	BaselineURL string `yaml:"baseline_url"`
	CanaryURL   string `yaml:"canary_url"`
	// Method, Path, Headers and Body make the one request sent to both
	// sides; Path is joined to each side's base URL. Method defaults to
	// GET; Path to "/" for a service and to the URLs as given.
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Body    string            `yaml:"body"`
	// Rate is sent to each side for Warmup and then Duration, which alone
	// is measured.
	Rate     slo.Rate `yaml:"rate"`
	Duration Duration `yaml:"duration"`
	Warmup   Duration `yaml:"warmup"`
	// RateTolerance is how far a side's achieved rate may fall short of
	// Rate before the check is inconclusive; default
	// DefaultRateTolerance, at most MaxRateTolerance.
	RateTolerance *slo.Ratio `yaml:"rate_tolerance"`
	// Tolerance is how much worse the canary may be, relative to the
	// baseline's median, p99 and error rate; default 5%.
	Tolerance *slo.Ratio `yaml:"tolerance"`
	// Significance is the level of every test; default 1%; below 50%.
	Significance *slo.Ratio `yaml:"significance"`
	// MinSamples is the fewest successful answers a side needs for any
	// verdict; default 20.
	MinSamples int `yaml:"min_samples"`
}

// Options are the comparison's options, the plan's over the defaults.
func (s *CompareSpec) Options() compare.Options {
	o := compare.DefaultOptions()
	if s.Tolerance != nil {
		o.Tolerance = float64(*s.Tolerance)
	}
	if s.Significance != nil {
		o.Significance = float64(*s.Significance)
	}
	if s.MinSamples > 0 {
		o.MinSamples = s.MinSamples
	}
	return o
}

// RateShortfall is the rate tolerance, defaulted.
func (s *CompareSpec) RateShortfall() slo.Ratio {
	if s.RateTolerance == nil {
		return DefaultRateTolerance
	}
	return *s.RateTolerance
}

// ByURL says the check compares two URLs of its own, not a service.
func (s *CompareSpec) ByURL() bool { return s.BaselineURL != "" || s.CanaryURL != "" }

// CompareKind is a check that compares a canary with its baseline.
var CompareKind = Kind{
	Name:     KindCompare,
	Help:     "the same load to baseline and canary: is the canary worse?",
	Doc:      CompareHelp,
	Fields:   []string{"service", "port", "expect", "compare"},
	Validate: validateCompare,
	Defaults: func(_ *Plan, c *Check) {
		s := c.Compare
		s.Method = cmp.Or(s.Method, "GET")
		if !s.ByURL() {
			s.Path = cmp.Or(s.Path, "/")
		}
		o := s.Options()
		s.Tolerance, s.Significance, s.MinSamples = new(slo.Ratio(o.Tolerance)), new(slo.Ratio(o.Significance)), o.MinSamples
	},
	ServicePorts: func(c *Check) []ServicePort {
		if c.Service == "" {
			return nil
		}
		return []ServicePort{{c.Service, c.Port}}
	},
	CannotVerify: "it compares two versions: the old one back is what it would be compared with",
}

// CompareHelp is what a plan may say of a compare check, for the command
// line's help.
const CompareHelp = `A compare check sends the same load (rate, request, duration) to a baseline
and a canary at once and holds the canary to the baseline: Mann-Whitney U and
the Hodges-Lehmann shift on latency, a bootstrap interval on the p99
difference, Fisher's exact test on the error rates. Worse (significant and
beyond the tolerance) fails; within the tolerance passes; too few answers
(min_samples a side), a side down, or a difference beyond the tolerance
that is not significant is inconclusive, never a pass.

  - name: api-vs-stable
    kind: compare
    service: api              # the canary through the rollout's endpoints, the
    port: 8080                # baseline through the stable version's ...
    compare:
      # baseline_url: http://stable.internal:8080   # ... or two URLs, together,
      # canary_url: http://canary.internal:8080     # instead of the service
      path: /items            # joined to each side; default / (a service)
      method: GET             # headers and body too
      rate: 50/s              # to each side
      duration: 30s           # measured, after warmup
      warmup: 2s
      rate_tolerance: 5%      # a side sent less than this short: inconclusive
      tolerance: 5%           # of the baseline's median, p99 and error rate
      significance: 1%        # the level of each test
      min_samples: 20         # successes a side; the p99 needs 100

A service is resolved on both sides only in a canary rollout, which knows
the stable version; 'postflight run' has no baseline and refuses a compare
check without baseline_url and canary_url. See also 'postflight compare'.`

func validateCompare(c *Check, p Problems) {
	v := p.v
	if !p.Required("compare") {
		return
	}
	s := c.Compare
	hasB, hasC := p.Has("compare.baseline_url"), p.Has("compare.canary_url")
	switch {
	case hasB != hasC:
		missing := "compare.canary_url"
		if hasC {
			missing = "compare.baseline_url"
		}
		p.At("compare", "give baseline_url and canary_url together: %s is missing", strings.TrimPrefix(missing, "compare."))
	case hasB && c.Service != "":
		p.At("service", `set either "service" or compare.baseline_url and canary_url, not both`)
	case hasB:
		v.absoluteURL(p.at("compare.baseline_url"), s.BaselineURL)
		v.absoluteURL(p.at("compare.canary_url"), s.CanaryURL)
		if s.BaselineURL == s.CanaryURL {
			p.At("compare.canary_url", "the baseline's URL too: a service compared with itself says nothing of a canary")
		}
		if p.Has("port") {
			p.At("port", `port applies to "service", not to URLs: put the port in the URLs`)
		}
	case c.Service == "":
		if !v.bad[p.at("service")] {
			p.At("", `missing the sides: set "service" (in a canary rollout) or compare.baseline_url and canary_url`)
		}
	default:
		if p.Service("service", c.Service) {
			v.port(p.path, c.Service, c.Port)
		}
	}
	if p.Has("compare.method") && !slices.Contains(httpMethods, s.Method) {
		p.At("compare.method", "unknown HTTP method %q; expected one of %s%s", s.Method, strings.Join(httpMethods, ", "), didYouMean(s.Method, httpMethods))
	}
	if p.Has("compare.path") && !strings.HasPrefix(s.Path, "/") {
		p.At("compare.path", `expected a path starting with "/", got %q`, s.Path)
	}
	hasRate, hasDuration := p.Required("compare.rate"), p.Required("compare.duration")
	if hasDuration && s.Duration.Duration == 0 {
		p.At("compare.duration", "expected a duration longer than 0")
	}
	if hasRate && s.Rate > MaxRate {
		p.At("compare.rate", "expected a rate of at most %d/s, got %s", MaxRate, s.Rate)
	} else if hasRate && hasDuration && s.Duration.Duration > 0 {
		rate := float64(s.Rate)
		switch all := 2 * rate * (s.Warmup.Duration + s.Duration.Duration).Seconds(); {
		case all > MaxLoadRequests:
			p.At("compare", "the comparison sends %.0f requests (2 sides x rate x (warmup + duration)); expected at most %d", all, MaxLoadRequests)
		case rate*s.Duration.Seconds() < 2:
			p.At("compare", "the comparison sends fewer than 2 requests a side in %s at %s: raise the rate or the duration", formatDuration(s.Duration.Duration), s.Rate)
		}
	}
	if t := s.RateTolerance; t != nil && *t > MaxRateTolerance {
		p.At("compare.rate_tolerance", "expected at most %v, got %v", MaxRateTolerance, *t)
	}
	if t := s.Significance; t != nil && !(*t > 0 && *t < 0.5) {
		p.At("compare.significance", "expected more than 0%% and less than 50%%, got %v", *t)
	}
	if p.Has("compare.min_samples") {
		if s.MinSamples < 2 || s.MinSamples > math.MaxInt32 {
			p.At("compare.min_samples", "expected at least 2 samples, got %d", s.MinSamples)
		} else if hasRate && hasDuration && float64(s.MinSamples) > float64(s.Rate)*s.Duration.Seconds() {
			p.At("compare.min_samples", "%d samples a side cannot come from %s at %s (%.0f requests): raise the rate or the duration, or lower min_samples",
				s.MinSamples, formatDuration(s.Duration.Duration), s.Rate, float64(s.Rate)*s.Duration.Seconds())
		}
	}
	v.expect(p.at("expect"), c.Expect)
}

// ComparesService says the check compares a service, whose two sides only
// a canary rollout can give.
func (c *Check) ComparesService() bool {
	return c.Kind == KindCompare && c.Compare != nil && !c.Compare.ByURL()
}
