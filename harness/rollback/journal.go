package rollback

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/postflight/postflight/internal/jsonl"
	"github.com/postflight/postflight/internal/safetext"
)

// A journal is one rollback's record, a file of JSON lines in the state
// directory's journal/ folder, named after the run id. Every entry is
// appended and fsynced before the step it announces is acted on:
//
//	decided    the request, the driver's config and the steps (nothing changed yet)
//	resumed    another process took the rollback over
//	started    the first change is about to be made
//	applying   step N is about to be carried out
//	spawned    step N's command started, in process group PGID (command driver)
//	done       step N took effect
//	skipped    step N was left alone: its object changed since (resume only)
//	verifying  verification is about to run
//	verified   it passed: the driver's, then Runner.Verify's (the plan's checks)
//	failed     something failed; the rollback stays unfinished
//	finished   the rollback is complete
//
// A journal whose last entry is not "finished" is an unfinished rollback:
// Resume, or the next rollback of the same target, converges it. Once a
// rollback finished its journal is removed; the report keeps the record. A
// journal found finished (the process died between the two) is removed by
// the next rollback or Resume. Lock files stay (see locks).

// Event is the kind of a journal entry.
type Event string

// Journal events, in the order a rollback writes them.
const (
	EventDecided   Event = "decided"
	EventResumed   Event = "resumed"
	EventStarted   Event = "started"
	EventApplying  Event = "applying"
	EventSpawned   Event = "spawned"
	EventDone      Event = "done"
	EventSkipped   Event = "skipped"
	EventVerifying Event = "verifying"
	EventVerified  Event = "verified"
	EventFailed    Event = "failed"
	EventFinished  Event = "finished"
)

// Entry is one line of a journal.
type Entry struct {
	Time  time.Time `json:"time"`
	Event Event     `json:"event"`
	// Step is the index of the step in the decision, for applying, done
	// and skipped; -1 otherwise.
	Step  int    `json:"step"`
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
	// PGID is the process group of the command a spawned entry announces.
	PGID int `json:"pgid,omitempty"`
	// By is the process that wrote a decided, resumed or spawned entry.
	By *Holder `json:"by,omitempty"`
	// Decision is set on the decided entry, the journal's first.
	Decision *Decision `json:"decision,omitempty"`
}

// Decision is what a rollback decided to do: enough to carry it out from
// another process.
type Decision struct {
	RunID   string   `json:"run_id"`
	Config  Config   `json:"config"`
	Request Request  `json:"request"`
	Targets []string `json:"targets"`
	Steps   []Step   `json:"steps"`
}

// Unfinished is a rollback whose journal has no finished entry.
type Unfinished struct {
	// Path is the journal file.
	Path     string
	Decided  time.Time
	Decision Decision
	// Last is the last entry: where the rollback stopped.
	Last Entry
}

// journal is an open journal, appended to.
type journal struct {
	path string
	f    *os.File
}

// afterAppend, when set (by tests), is called after an entry is durable.
var afterAppend func(Entry)

func journalDir(stateDir string) string { return filepath.Join(stateDir, "journal") }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// createJournal starts the journal of a new rollback with its decided
// entry. The file appears under its name only once that entry is durable
// (written to a temporary file, fsynced, then linked into place), so a
// journal never lacks its decision.
func createJournal(stateDir, runID string, decided Entry) (*journal, error) {
	dir := journalDir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".new-*")
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	defer os.Remove(tmp.Name())
	j := &journal{path: tmp.Name(), f: tmp}
	if err := j.write(decided); err != nil {
		tmp.Close()
		return nil, err
	}
	base := unsafeName.ReplaceAllString(runID, "_")
	if base == "" {
		base = "run"
	}
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		path := filepath.Join(dir, name+".jsonl")
		err := os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			tmp.Close()
			return nil, fmt.Errorf("create journal: %w", err)
		}
		if err := syncDir(dir); err != nil {
			tmp.Close()
			return nil, err
		}
		j.path = path
		if afterAppend != nil {
			afterAppend(decided)
		}
		return j, nil
	}
}

// openJournal opens an existing journal for appending, first cutting off a
// torn last line (a write the crash interrupted).
func openJournal(path string) (*journal, []Entry, error) {
	entries, good, err := readJournalFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := jsonl.OpenAppend(path, good, 0)
	if err != nil {
		return nil, nil, err
	}
	return &journal{path: path, f: f}, entries, nil
}

// append writes one entry and makes it durable before returning.
func (j *journal) append(e Entry) error {
	if err := j.write(e); err != nil {
		return err
	}
	if afterAppend != nil {
		afterAppend(e)
	}
	return nil
}

// write writes one entry and fsyncs the file.
func (j *journal) write(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	if err := jsonl.Append(j.f, e); err != nil {
		return fmt.Errorf("journal %s: %w", e.Event, err)
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

// remove deletes the journal of a finished rollback.
func (j *journal) remove() error {
	j.f.Close()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove finished journal: %w", err)
	}
	return syncDir(filepath.Dir(j.path))
}

// readJournalFile reads the complete entries of a journal and the length of
// the file they take up; a torn last line is left out.
func readJournalFile(path string) ([]Entry, int64, error) {
	entries, good, err := jsonl.Read[Entry](path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, 0, fmt.Errorf("read journal: %w", err)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("journal %s: %w", path, err)
	}
	if len(entries) == 0 || entries[0].Decision == nil {
		return nil, 0, fmt.Errorf("journal %s: no decision", path)
	}
	return entries, good, nil
}

// Pending lists the unfinished rollbacks journaled in stateDir, oldest
// first. It changes nothing.
func Pending(stateDir string) ([]Unfinished, error) {
	unfinished, _, err := listJournals(stateDir)
	return unfinished, err
}

// PendingOf lists the unfinished rollbacks of one plan journaled in
// stateDir, oldest first: those whose request names the same plan file
// (compared by PlanPath). All of them when planPath is empty.
func PendingOf(stateDir, planPath string) ([]Unfinished, error) {
	all, err := Pending(stateDir)
	if planPath == "" {
		return all, err
	}
	want := PlanPath(planPath)
	var mine []Unfinished
	for _, u := range all {
		if p := u.Decision.Request.PlanPath; p != "" && filepath.IsAbs(p) && PlanPath(p) == want {
			mine = append(mine, u)
		}
	}
	return mine, err
}

// removeFinished removes the journals of finished rollbacks: their process
// died between writing "finished" and removing the file.
func removeFinished(stateDir string) error {
	_, finished, err := listJournals(stateDir)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, path := range finished {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove finished journal: %w", err))
		}
	}
	return errors.Join(errs...)
}

// listJournals reads the journals in stateDir: the unfinished rollbacks,
// oldest first, and the paths of finished ones.
func listJournals(stateDir string) (unfinished []Unfinished, finished []string, err error) {
	names, err := filepath.Glob(filepath.Join(journalDir(stateDir), "*.jsonl"))
	if err != nil {
		return nil, nil, fmt.Errorf("list journals: %w", err)
	}
	var errs []error
	for _, path := range names {
		entries, _, err := readJournalFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // finished and removed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		last := entries[len(entries)-1]
		if last.Event == EventFinished {
			finished = append(finished, path)
			continue
		}
		unfinished = append(unfinished, Unfinished{Path: path, Decided: entries[0].Time, Decision: *entries[0].Decision, Last: last})
	}
	sort.Slice(unfinished, func(i, k int) bool { return unfinished[i].Decided.Before(unfinished[k].Decided) })
	return unfinished, finished, errors.Join(errs...)
}

// String says where an unfinished rollback stopped.
func (u Unfinished) String() string {
	var objs []string
	for _, s := range u.Decision.Steps {
		objs = append(objs, s.Object)
	}
	where := string(u.Last.Event)
	if u.Last.Step >= 0 && u.Last.Step < len(u.Decision.Steps) {
		where += " " + u.Decision.Steps[u.Last.Step].Object
	}
	s := fmt.Sprintf("rollback %s (%s: %s) stopped at %q on %s", u.Decision.RunID, u.Decision.Config.Driver,
		strings.Join(objs, ", "), where, u.Last.Time.Format(time.RFC3339))
	if u.Last.Error != "" {
		s += ": " + safetext.Text(u.Last.Error, 0)
	}
	return s
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
