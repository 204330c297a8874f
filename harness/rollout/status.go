package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/rollback"
)

// States of a rollout, as status shows them.
const (
	StateNone     = "none"
	StateRunning  = "running"
	StatePaused   = "paused"
	StateStopped  = "stopped"
	StateFinished = "finished"
)

// Status is a rollout's journal and where it stands.
type Status struct {
	Journal string `json:"journal"`
	// State is none (no rollout journaled), running, paused (a running
	// canary waits for a person), stopped (unfinished, its process gone:
	// resume continues it) or finished.
	State string `json:"state"`
	// Holder is the process that runs it, when one does.
	Holder  string  `json:"holder,omitempty"`
	Outcome string  `json:"outcome,omitempty"`
	Entries []Entry `json:"entries"`
}

// ReadStatus reads the journal of the plan's rollout (the one in progress,
// else the last one) and whether a process runs it. It changes nothing.
func ReadStatus(ctx context.Context, p *plan.Plan) (Status, error) {
	dir, err := Dir(p)
	if err != nil {
		return Status{}, err
	}
	st := Status{Journal: journalPath(dir), State: StateNone}
	entries, _, err := readJournal(st.Journal)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Entries = entries
	if len(entries) == 0 {
		return st, nil
	}
	if finished(entries) {
		st.State, st.Outcome = StateFinished, entries[len(entries)-1].Outcome
		return st, nil
	}
	st.State = StateStopped
	lock, err := rollback.AcquireLock(ctx, stateDir(dir), lockTargets(p), "status", 0)
	var le *rollback.LockedError
	switch {
	case errors.As(err, &le):
		st.State, st.Holder = StateRunning, le.Holder.String()
		r := &rollout{seen: map[string]bool{}, applied: -1}
		for _, e := range entries {
			r.track(e)
		}
		if r.pos.action == Pause {
			st.State = StatePaused
		}
	case err != nil:
		return st, err
	default:
		lock.Release()
	}
	return st, nil
}

// JSON is the status as `canary status --format json` prints it.
func (s Status) JSON() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// Text is the status as `canary status` prints it: where the rollout
// stands, then every journal entry.
func (s Status) Text() string {
	var b strings.Builder
	switch s.State {
	case StateNone:
		fmt.Fprintf(&b, "no rollout journaled (%s)\n", s.Journal)
		return b.String()
	case StateRunning, StatePaused:
		fmt.Fprintf(&b, "rollout %s: %s, by %s\n", s.Entries[0].Plan.RunID, s.State, s.Holder)
	case StateStopped:
		fmt.Fprintf(&b, "rollout %s: stopped, no process runs it: `postflight canary resume` continues it, `abort` rolls it back\n", s.Entries[0].Plan.RunID)
	default:
		fmt.Fprintf(&b, "rollout %s: finished, %s\n", s.Entries[0].Plan.RunID, s.Outcome)
	}
	fmt.Fprintf(&b, "journal %s\n\n", s.Journal)
	for _, e := range s.Entries {
		writeEntry(&b, e)
	}
	return b.String()
}

func writeEntry(b *strings.Builder, e Entry) {
	const indent = "                                    "
	head := string(e.Event)
	if e.Step > 0 {
		head += fmt.Sprintf(" %d", e.Step)
	}
	fmt.Fprintf(b, "%s  %-14s  %s", e.Time.Format(time.RFC3339), head, e.Reason)
	if e.Decision != "" {
		fmt.Fprintf(b, " -> %s", e.Decision)
	}
	switch {
	case e.By == "person" && e.Who != nil:
		fmt.Fprintf(b, " (by %s)", e.Who)
	case e.By != "":
		fmt.Fprintf(b, " (by %s)", e.By)
	}
	b.WriteString("\n")
	if e.Plan != nil {
		for _, line := range strings.Split(strings.TrimRight(e.Plan.Table, "\n"), "\n") {
			b.WriteString(indent + line + "\n")
		}
	}
	for _, c := range e.Changes {
		b.WriteString(indent + "change: " + c.String() + "\n")
	}
	for _, t := range e.Tasks {
		fmt.Fprintf(b, "%stask %s.%d %s on node %s (%s): %s %s\n", indent, t.Service, t.Slot, shortID(t.ID), shortID(t.Node), t.Addr, t.Image, t.State)
	}
	for _, r := range e.Checks {
		fmt.Fprintf(b, "%s%-12s %s: %s\n", indent, strings.ToUpper(r.Status.String()), r.Name, r.Reason)
		for _, o := range r.Objectives {
			fmt.Fprintf(b, "%s  %-12s %s\n", indent, strings.ToUpper(o.Status.String()), o.Reason)
		}
	}
	if e.Outcome != "" {
		fmt.Fprintf(b, "%soutcome: %s (exit %d)\n", indent, e.Outcome, e.ExitCode)
	}
}

// WriteReports writes the status into a report directory: canary.json
// (every entry) and canary.txt (as status prints it).
func WriteReports(dir string, s Status) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report directory: %w", err)
	}
	js, err := s.JSON()
	if err != nil {
		return err
	}
	var errs []error
	for name, data := range map[string][]byte{"canary.json": js, "canary.txt": []byte(s.Text())} {
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
