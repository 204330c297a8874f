package imagecheck

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/packages"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// runPackages compares the packages of the old and the new image and holds
// the changes to the plan's policy. An image that cannot be read makes the
// check inconclusive; so does a diff whose only violations are package
// databases it could not read.
func runPackages(ctx context.Context, c plan.Check, phase string, env Env) (res result.Result) {
	start := time.Now()
	spec := c.Packages
	oldRef, newRef := cmp.Or(spec.Old, env.OldImage), cmp.Or(spec.New, env.NewImage)
	policy := packages.Policy{Expected: spec.Expected, FailOn: spec.FailOn}
	res = result.Result{Name: c.Name, Kind: plan.KindPackages, Phase: phase, Attempts: 1,
		Target:   fmt.Sprintf("%s -> %s", oldRef, newRef),
		Expected: describePolicy(policy)}
	defer func() { res.Duration = time.Since(start) }()
	if oldRef == "" || newRef == "" {
		res.Observed = "nothing compared"
		return res.Unmeasured("give both images (--old and --new, or packages.old and packages.new)")
	}
	d, err := packages.Compare(ctx, oldRef, newRef)
	if err != nil {
		res.Observed = "nothing compared"
		return res.Unmeasured(err.Error())
	}
	res.Observed = describeChanges(d)
	if len(d.Changes) == 0 && d.Unchanged == 0 && len(d.Problems) == 0 {
		return res.Unmeasured("neither image has a package database or a Go binary postflight reads")
	}
	// The diff was read: that holds, and says the pass; every violation
	// of the policy is a finding that does not, and a package database
	// that could not be read one that could not be measured.
	v := policy.Evaluate(d)
	res.Packages = packageDiff(d, v)
	findings := []slo.Finding{slo.Met("every change is expected")}
	for _, vio := range v.Violations {
		if len(vio.Rules) == 1 && vio.Rules[0] == packages.Unreadable {
			findings = append(findings, slo.NotMeasured(vio.Message))
		} else {
			findings = append(findings, slo.Missed(vio.Message))
		}
	}
	return res.Judge(findings, slo.Wording{
		Missed: func(j slo.Judgement) string { return slo.Notes(append(j.Missed, j.Unmeasured...)) },
		Unmeasured: func(j slo.Judgement) string {
			return result.UnmeasuredPrefix + slo.Notes(j.Unmeasured)
		},
	})
}

func describePolicy(p packages.Policy) string {
	rules := make([]string, len(p.FailOn))
	for i, r := range p.FailOn {
		rules[i] = string(r)
	}
	s := "no change that is " + strings.Join(rules, ", ")
	if len(p.Expected) > 0 {
		exp := make([]string, len(p.Expected))
		for i, e := range p.Expected {
			exp[i] = e.String()
		}
		s += "; expected: " + strings.Join(exp, ", ")
	}
	return s
}

func describeChanges(d *packages.Diff) string {
	if len(d.Changes) == 0 {
		return fmt.Sprintf("no differences: %d packages unchanged", d.Unchanged)
	}
	parts := make([]string, 0, len(d.Changes))
	for _, ch := range d.Changes {
		parts = append(parts, fmt.Sprintf("%s %s %s", ch.Ecosystem, ch.Name, ch.Kind))
	}
	return fmt.Sprintf("%d change(s): %s; %d unchanged", len(d.Changes), strings.Join(parts, ", "), d.Unchanged)
}

// packageDiff is the diff as the report lists it: every change, with why
// the policy does not allow it when it does not.
func packageDiff(d *packages.Diff, v *packages.Verdict) *result.PackageDiff {
	why := map[*packages.Change]string{} // a violation points into d.Changes
	for _, vio := range v.Violations {
		if vio.Change != nil {
			why[vio.Change] = vio.Message
		}
	}
	out := &result.PackageDiff{Unchanged: d.Unchanged, Changes: make([]result.PackageChange, len(d.Changes))}
	for i := range d.Changes {
		c := &d.Changes[i]
		out.Changes[i] = result.PackageChange{Ecosystem: string(c.Ecosystem), Name: c.Name, Change: string(c.Kind),
			Old: c.Old, New: c.New, Violation: why[c]}
	}
	return out
}
