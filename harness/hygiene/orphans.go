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
	if len(o.Containers) == 0 {
		o.Status, o.Reason = slo.Pass, "no orphaned container"
		return
	}
	parts := make([]string, 0, len(o.Containers))
	for _, c := range o.Containers {
		line := c.String() + " " + strings.Join(c.Why, " and ")
		if strings.Contains(c.Owner, "postflight run") {
			line += " (`postflight cleanup` removes what killed runs left)"
		}
		parts = append(parts, line)
	}
	o.Status = slo.Fail
	o.Reason = "orphaned: " + strings.Join(parts, "; ")
}
