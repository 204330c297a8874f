package hygiene

import (
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// KindOrphans is the check kind of the orphan result.
const KindOrphans = "orphans"

// Orphans are the containers tied to the stack (by a port or a name) that
// belong to no owner the stack knows.
type Orphans struct {
	Containers []Container `json:"containers"`

	Status   slo.Status `json:"status"`
	Expected string     `json:"expected"`
	Observed string     `json:"observed"`
	Reason   string     `json:"reason"`
}

// Result is the check result; Name and Phase are the caller's to set.
func (o *Orphans) Result() result.Result {
	return result.Result{
		Kind: KindOrphans, Target: "docker containers", Status: o.Status,
		Expected: o.Expected, Observed: o.Observed, Reason: o.Reason, Attempts: 1,
	}
}

// conclude decides the status and writes expected, observed and reason.
func (o *Orphans) conclude(related int) {
	o.Expected = "every container with the stack's ports or names belongs to the stack"
	o.Observed = fmt.Sprintf("%d container(s) with the stack's ports or names, %d belonging to no owner the stack knows", related, len(o.Containers))
	// Every container tied to the stack was looked at: that holds, and
	// says the pass; each orphan among them is a finding that does not.
	findings := []slo.Finding{slo.Met("no orphaned container")}
	for _, c := range o.Containers {
		line := c.String() + " " + strings.Join(c.Why, " and ")
		if strings.Contains(c.Owner, "postflight run") {
			line += " (`postflight cleanup` removes what killed runs left)"
		}
		findings = append(findings, slo.Missed(line))
	}
	j := slo.Judge(findings, slo.Wording{
		Missed: func(j slo.Judgement) string { return "orphaned: " + slo.Notes(j.Missed) },
	})
	o.Status, o.Reason = j.Status, j.Reason
}
