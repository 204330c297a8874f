// Package rollout moves running Swarm services to a new image gradually
// (`postflight canary`), gated by the plan's checks, and keeps a decision
// journal of every step.
//
// The mechanism: beside each stable service S the rollout runs a canary
// service S-canary, a copy of S's spec with the new image, on the same
// networks with S's name as a network alias (so clients inside the
// overlay that resolve S reach canary tasks too), its ports published in
// host mode on ports Swarm picks. At each step of harness/canary's table
// the canary runs that step's count c of tasks and S is scaled to N - c,
// so the service keeps N tasks in all: the canary is scaled up and
// converges first, then S is scaled down. Once both converged and the
// step's interval passed, the plan's checks run against the canary's
// tasks (a service the plan's checks name resolves, call by call, to each
// canary task in turn, at its node's address and published port, as the
// manager reports them: no node's containers are read). Then the policy
// decides:
//
//   - every check passed: advance to the next step;
//   - a check failed: abort;
//   - inconclusive: pause (canary.inconclusive: pause, the default) until
//     a person resumes, aborts or promotes, or abort.
//
// The last step, every task, is the promotion: S is updated to the new
// image with N replicas (Swarm's own rolling update), the canary removed,
// and the verify checks run against S. An abort scales S back to N on the
// old image, removes the canary and runs the verify checks against S; a
// promotion whose verification fails is rolled back the same way.
//
// Every decision is journaled before it is acted on (see journal.go); a
// person acts on a running rollout from another shell through control
// requests (control.go), and a lock per service keeps two rollouts, or a
// rollout and a rollback, off one service. A rollout whose process was
// killed continues from its journal: every change is a replica count or
// an image, set again as the journal says, so redoing a step is harmless.
package rollout
