// Package propagation measures "write here, see it there": how long after a
// write answers does every replica serve what was written.
//
// Each sample first reads every read endpoint once with a fresh random
// token: nothing has stored it yet, so a read that shows it echoes the
// request and cannot measure anything. Then it writes the token and polls
// every read endpoint until the token shows on all of them. A sample that
// never shows within the timeout, or could not be written, is counted with
// its cause, never dropped and never given a delay: a slow or broken system
// must not look fast because its worst samples went missing.
package propagation

import (
	"errors"
	"fmt"
	"time"

	"github.com/ohler55/ojg/jp"
)

// Placeholder is replaced by each sample's token in a Request's URL, header
// values and body.
const Placeholder = "{token}"

// Spec says what to write, where to look for it and how hard to try.
type Spec struct {
	// Write stores the token, e.g. PUT {base}/kv/{token} with body {token}.
	// It must carry Placeholder somewhere, or every sample writes the same.
	Write Request
	// Reads are polled until each shows the token: typically one GET per
	// replica.
	Reads []Request
	// Field, if set, is a JSONPath (e.g. "$.value"): a read shows the token
	// when its JSON body has the token at that path. Otherwise a read shows
	// it when its body contains the token anywhere. Either way the read must
	// answer 2xx.
	Field string
	// Samples is the number of tokens written.
	Samples int
	// Concurrency is the number of samples in flight at once.
	Concurrency int
	// Interval is the pause between the end of one poll of an endpoint and
	// the start of the next.
	Interval time.Duration
	// Timeout bounds each step of one sample: the reads before the write,
	// the write, and then the wait for the token to show everywhere.
	Timeout time.Duration
}

// validate reports every mistake in s at once.
func (s Spec) validate() error {
	var errs []error
	if s.Samples < 1 {
		errs = append(errs, fmt.Errorf("samples %d: want 1 or more", s.Samples))
	}
	if s.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d: want 1 or more", s.Concurrency))
	}
	if s.Interval <= 0 {
		errs = append(errs, fmt.Errorf("interval %s: want more than 0", s.Interval))
	}
	if s.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want more than 0", s.Timeout))
	}
	if s.Write.Method == "" {
		errs = append(errs, errors.New("write: method: want one, e.g. PUT"))
	}
	if err := s.Write.validate(); err != nil {
		errs = append(errs, fmt.Errorf("write: %w", err))
	}
	if !s.Write.carriesToken() {
		errs = append(errs, fmt.Errorf("write: want %s in its url, a header or its body", Placeholder))
	}
	if len(s.Reads) == 0 {
		errs = append(errs, errors.New("reads: want at least one"))
	}
	for i, r := range s.Reads {
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("read %d: %w", i, err))
		}
	}
	if s.Field != "" {
		if _, err := jp.ParseString(s.Field); err != nil {
			errs = append(errs, fmt.Errorf("field %q: %w", s.Field, err))
		}
	}
	return errors.Join(errs...)
}
