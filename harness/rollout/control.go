package rollout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// A control request is how another shell acts on a running rollout: a
// file in the rollout's control/ folder, written whole (a temporary file
// renamed into place), that the running canary picks up within
// controlPoll while it waits (a step's interval, a pause). It records the
// request in the journal, with who asked, before acting on it, then
// removes the file.

// controlPoll is how often a waiting rollout looks for requests.
const controlPoll = 200 * time.Millisecond

// Request is a person's request to a rollout in progress.
type Request struct {
	// ID is the request file's name; a journal's control entry names it,
	// so a request is never acted on twice.
	ID     string    `json:"id"`
	Action string    `json:"action"`
	Who    Who       `json:"who"`
	Time   time.Time `json:"time"`
}

// Actions a person may ask for.
var Actions = []string{Resume, Abort, Promote}

func controlDir(dir string) string { return filepath.Join(dir, "control") }

// writeRequest leaves a request for the running rollout in dir.
func writeRequest(dir, action string, who Who) (Request, error) {
	cd := controlDir(dir)
	if err := os.MkdirAll(cd, 0o700); err != nil {
		return Request{}, fmt.Errorf("create the control directory: %w", err)
	}
	now := time.Now().UTC()
	req := Request{ID: fmt.Sprintf("%d-%s-%d.json", now.UnixNano(), action, who.PID), Action: action, Who: who, Time: now}
	b, err := json.Marshal(req)
	if err != nil {
		return req, err
	}
	tmp, err := os.CreateTemp(cd, ".new-*")
	if err != nil {
		return req, fmt.Errorf("write control request: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return req, fmt.Errorf("write control request: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return req, fmt.Errorf("write control request: %w", err)
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), filepath.Join(cd, req.ID)); err != nil {
		return req, fmt.Errorf("write control request: %w", err)
	}
	return req, nil
}

// pendingRequests lists the requests left in dir, oldest first; one that
// cannot be read is skipped (it is being written).
func pendingRequests(dir string) []Request {
	names, _ := filepath.Glob(filepath.Join(controlDir(dir), "*.json"))
	sort.Strings(names)
	var out []Request
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		var r Request
		if json.Unmarshal(b, &r) == nil && r.ID == filepath.Base(n) {
			out = append(out, r)
		}
	}
	return out
}

// removeRequest removes a request once the journal records it.
func removeRequest(dir string, r Request) {
	if err := os.Remove(filepath.Join(controlDir(dir), r.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "postflight: remove control request %s: %v\n", r.ID, err)
	}
}

// whoAmI is the person and process running this postflight.
func whoAmI() Who {
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = fmt.Sprintf("uid %d", os.Getuid())
	}
	return Who{User: name, PID: os.Getpid(), Host: host}
}

// validAction reports whether action is one a person may ask for.
func validAction(action string) error {
	for _, a := range Actions {
		if a == action {
			return nil
		}
	}
	return fmt.Errorf("unknown action %q: want %s", action, strings.Join(Actions, ", "))
}
