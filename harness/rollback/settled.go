package rollback

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Settled is a rollback of a target that finished. The state directory's
// finished/ folder keeps the latest few of each target (one file per target,
// named as its lock) once their journals are gone. A rollback that waited for
// the target's lock reads them: when a holder rolled the same new version
// back to the same old one while it waited, the target is where it wants it,
// and it does not act again.
type Settled struct {
	RunID    string    `json:"run_id"`
	Target   string    `json:"target"`
	OldImage string    `json:"old_image,omitempty"`
	NewImage string    `json:"new_image,omitempty"`
	Finished time.Time `json:"finished"`
	// Verified is what the driver's verification confirmed.
	Verified string `json:"verified,omitempty"`
}

func settledPath(stateDir, target string) string {
	return filepath.Join(stateDir, "finished", strings.TrimSuffix(lockName(target), ".lock")+".json")
}

// keepSettled bounds the finished rollbacks kept per target: enough for
// every rollback that can queue behind one lock in practice.
const keepSettled = 32

// writeSettled records that dec finished, for each of its targets; the
// caller holds their locks.
func writeSettled(stateDir string, dec Decision, verified string) error {
	dir := filepath.Join(stateDir, "finished")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("record the finished rollback: %w", err)
	}
	now := time.Now().UTC()
	for _, t := range dec.Targets {
		path := settledPath(stateDir, t)
		list := append(readSettled(path), Settled{RunID: dec.RunID, Target: t, OldImage: dec.Request.OldImage,
			NewImage: dec.Request.NewImage, Finished: now, Verified: verified})
		if len(list) > keepSettled {
			list = list[len(list)-keepSettled:]
		}
		b, err := json.Marshal(list)
		if err != nil {
			return fmt.Errorf("record the finished rollback: %w", err)
		}
		tmp := path + ".new"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return fmt.Errorf("record the finished rollback: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("record the finished rollback: %w", err)
		}
	}
	return syncDir(dir)
}

// readSettled reads a target's finished rollbacks, oldest first; none when
// the file is missing or unreadable.
func readSettled(path string) []Settled {
	var list []Settled
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &list) != nil {
		return nil
	}
	return list
}

// settledSince returns a rollback that finished every one of targets after
// since, from the new version req names to its old one; nil when there is
// none.
func settledSince(stateDir string, targets []string, req Request, since time.Time) *Settled {
	var found *Settled
	for _, t := range targets {
		var match *Settled
		for _, s := range readSettled(settledPath(stateDir, t)) {
			if s.Target == t && s.Finished.After(since) && sameImages(Request{OldImage: s.OldImage, NewImage: s.NewImage}, req) &&
				(found == nil || found.RunID == s.RunID) {
				match = &s
			}
		}
		if match == nil {
			return nil
		}
		found = match
	}
	return found
}
