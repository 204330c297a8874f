package rollout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/jsonl"
	"github.com/postflight/postflight/slo"
)

// The decision journal is a rollout's audit record: a file of JSON lines,
// journal.jsonl in the rollout's directory, each entry appended and
// fsynced before what it announces is done:
//
//	decided      the services, their task counts, the images, the steps and the table
//	step         step N is about to change these replica counts
//	converged    the services converged on step N: every task, its node and image
//	judged       step N's checks: every objective against its budget, the verdict,
//	             and what the policy decides (advance, pause, abort)
//	control      a person's request (resume, abort, promote) was picked up: who, when
//	aborting     the rollback is about to change these services
//	rolled-back  the stable services are back, with their tasks
//	promoting    the stable services are about to move to the new image
//	promoted     they did, with their tasks
//	verified     the verify checks ran against the stable services (passed or not)
//	interrupted  the process was stopped; the rollout stays where it is
//	resumed      another process took the rollout over from its journal
//	finished     the outcome, the exit code and why
//
// A journal whose last entry is not finished is a rollout in progress, or
// one whose process was killed: `postflight canary resume` continues it.
// A finished journal is moved to done/ when the next rollout of the same
// services starts.

// Event is the kind of a journal entry.
type Event string

// Journal events.
const (
	EventDecided     Event = "decided"
	EventStep        Event = "step"
	EventConverged   Event = "converged"
	EventJudged      Event = "judged"
	EventControl     Event = "control"
	EventAborting    Event = "aborting"
	EventRolledBack  Event = "rolled-back"
	EventPromoting   Event = "promoting"
	EventPromoted    Event = "promoted"
	EventVerified    Event = "verified"
	EventInterrupted Event = "interrupted"
	EventResumed     Event = "resumed"
	EventFinished    Event = "finished"
)

// Decisions an entry may carry.
const (
	Advance = "advance"
	Pause   = "pause"
	Abort   = "abort"
	Promote = "promote"
	Resume  = "resume"
)

// Entry is one line of the journal.
type Entry struct {
	Time  time.Time `json:"time"`
	Event Event     `json:"event"`
	// Step counts from 1; 0 for entries of no step.
	Step int `json:"step,omitempty"`
	// Decision is what was decided (advance, pause, abort, promote, resume);
	// By who decided it: "policy", or "person".
	Decision string `json:"decision,omitempty"`
	By       string `json:"by,omitempty"`
	// Who is the person or process behind the entry.
	Who    *Who   `json:"who,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Changes are what is about to change; Tasks what runs once it did.
	Changes []Change `json:"changes,omitempty"`
	Tasks   []Task   `json:"tasks,omitempty"`
	// Checks are the results of a step's checks or of verification, each
	// objective with its number against its budget; Verdict theirs.
	Checks  []result.Result `json:"checks,omitempty"`
	Verdict *slo.Verdict    `json:"verdict,omitempty"`
	// Request is the control request a control entry picked up.
	Request string `json:"request,omitempty"`
	// Outcome and ExitCode close the journal (finished).
	Outcome  string `json:"outcome,omitempty"`
	ExitCode int    `json:"exit_code,omitempty"`
	Error    string `json:"error,omitempty"`
	// Plan is the decided entry's: the whole rollout as decided.
	Plan *Decision `json:"plan,omitempty"`
}

// Who is a person or process acting on a rollout.
type Who struct {
	User string `json:"user"`
	PID  int    `json:"pid"`
	Host string `json:"host"`
}

func (w *Who) String() string {
	if w == nil {
		return "unknown"
	}
	return fmt.Sprintf("%s (pid %d on %s)", w.User, w.PID, w.Host)
}

// Change is one service's replica count (and image) about to change.
type Change struct {
	Service string `json:"service"`
	From    int    `json:"from"`
	To      int    `json:"to"`
	Image   string `json:"image,omitempty"`
	// Removed says the service is removed (the canary, at the end).
	Removed bool `json:"removed,omitempty"`
}

func (c Change) String() string {
	if c.Removed {
		return fmt.Sprintf("%s removed (%d task(s))", c.Service, c.From)
	}
	return fmt.Sprintf("%s %d -> %d task(s) on %s", c.Service, c.From, c.To, c.Image)
}

// Task is one running task of a service, as the manager reports it.
type Task struct {
	Service string `json:"service"`
	ID      string `json:"id"`
	Slot    int    `json:"slot,omitempty"`
	Node    string `json:"node"`
	Addr    string `json:"addr,omitempty"`
	Image   string `json:"image"`
	State   string `json:"state"`
	// Ports maps the task's container ports to the ports it may answer on
	// at Addr (see taskPorts).
	Ports map[int][]int `json:"ports,omitempty"`
}

// journal is an open journal file, appended to.
type journal struct {
	path string
	f    *os.File
}

// openJournal opens (or creates) the journal at path for appending,
// cutting off a torn last line (a write a crash interrupted).
func openJournal(path string) (*journal, []Entry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create the rollout directory: %w", err)
	}
	entries, good, err := readJournal(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	f, err := jsonl.OpenAppend(path, good, os.O_CREATE)
	if err != nil {
		return nil, nil, err
	}
	return &journal{path: path, f: f}, entries, nil
}

// append writes one entry and makes it durable before returning.
func (j *journal) append(e Entry) (Entry, error) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	if err := jsonl.Append(j.f, e); err != nil {
		return e, fmt.Errorf("journal %s: %w", e.Event, err)
	}
	return e, nil
}

func (j *journal) close() error { return j.f.Close() }

// readJournal reads the complete entries of a journal and the length of
// the file they take; a torn last line is left out.
func readJournal(path string) ([]Entry, int64, error) {
	entries, good, err := jsonl.Read[Entry](path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, 0, err
	}
	if err != nil {
		return nil, 0, fmt.Errorf("journal %s: %w", path, err)
	}
	if len(entries) > 0 && entries[0].Plan == nil {
		return nil, 0, fmt.Errorf("journal %s: its first entry is no decision", path)
	}
	return entries, good, nil
}

// finished says the journal's rollout ended.
func finished(entries []Entry) bool {
	return len(entries) > 0 && entries[len(entries)-1].Event == EventFinished
}
