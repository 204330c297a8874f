package rollback

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Rollbacks that wait for a holder rolling the same new version back to the
// same old one do not act again once it is done: they take its outcome. A
// waiter asked for something else (another new version) still acts.
func TestWaitersForTheSameRollbackActOnce(t *testing.T) {
	tests := []struct {
		name     string
		holderOK bool
	}{
		{"holder rolled back", true},
		{"holder failed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, dir := t.TempDir(), t.TempDir()
			release, ran := filepath.Join(dir, "release"), filepath.Join(dir, "ran")
			status := "0"
			if !tt.holderOK {
				status = `"$(test "$POSTFLIGHT_RUN_ID" = holder && echo 1 || echo 0)"`
			}
			cmd := sh(`echo "$POSTFLIGHT_RUN_ID" >> "` + ran + `"; while [ ! -e "` + release + `" ]; do sleep 0.02; done; exit ` + status)
			ctx := context.Background()
			same := Request{OldImage: "app:1", NewImage: "app:2"}
			type result struct {
				out Outcome
				err error
			}
			start := func(runID string, req Request) chan result {
				ch := make(chan result, 1)
				req.RunID = runID
				go func() {
					out, err := (&Runner{Driver: cmd, StateDir: state, LockTimeout: 30 * time.Second}).RollBack(ctx, req)
					ch <- result{out, err}
				}()
				return ch
			}
			busy := make(chan string, 8)
			lockBusy = func(path string) { busy <- path }
			t.Cleanup(func() { lockBusy = nil })
			holder := start("holder", same)
			waitFor(t, func() bool { b, _ := os.ReadFile(ran); return len(b) > 0 })
			waiters := []chan result{start("waiter1", same), start("waiter2", same)}
			var other chan result
			if tt.holderOK {
				other = start("other", Request{OldImage: "app:1", NewImage: "app:3"})
			}
			n := len(waiters)
			if other != nil {
				n++
			}
			for range n {
				<-busy
			}
			os.WriteFile(release, nil, 0o600)

			if h := <-holder; (h.err == nil) != tt.holderOK {
				t.Fatalf("holder: %v", h.err)
			}
			for i, ch := range waiters {
				w := <-ch
				if w.out.AlreadyBy != "holder" || (w.err == nil) != tt.holderOK {
					t.Errorf("waiter %d: already by %q, err %v; want the holder's outcome", i+1, w.out.AlreadyBy, w.err)
				}
				if tt.holderOK && !strings.Contains(w.out.Output, "not rolled back again") {
					t.Errorf("waiter %d says %q", i+1, w.out.Output)
				}
			}
			want := "holder"
			if other != nil {
				if o := <-other; o.out.AlreadyBy != "" || o.err != nil {
					t.Errorf("a waiter for another new version did not act: %+v, %v", o.out, o.err)
				}
				want += " other"
			}
			if b, _ := os.ReadFile(ran); strings.Join(strings.Fields(string(b)), " ") != want {
				t.Errorf("the command ran for %q, want %q", b, want)
			}
		})
	}
}
