package harness

import (
	"fmt"
	"io"
	"os"
	"time"
)

func (r *run) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.progressLive {
		fmt.Fprint(r.opts.Progress, "\r\033[K")
		r.progressLive = false
	}
	fmt.Fprintf(r.opts.Progress, "[%6.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// progressEvery is how often progress lines go to a log that is not a
// terminal.
const progressEvery = 5 * time.Second

// progress shows a progress line of a long check: in place on a terminal,
// as a plain line every progressEvery elsewhere (CI logs).
func (r *run) progress(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp := fmt.Sprintf("[%6.1fs] %s", time.Since(r.start).Seconds(), line)
	if r.tty {
		fmt.Fprint(r.opts.Progress, "\r\033[K"+stamp)
		r.progressLive = true
		return
	}
	if time.Since(r.lastProgress) >= progressEvery {
		fmt.Fprintln(r.opts.Progress, stamp)
		r.lastProgress = time.Now()
	}
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (r *run) prefixed(prefix string) func(string, ...any) {
	return func(format string, args ...any) { r.logf(prefix+": "+format, args...) }
}
