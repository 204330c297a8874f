package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Target is one kind of request in the mix.
type Target struct {
	// Method defaults to GET.
	Method string
	// URL is absolute, http or https.
	URL     string
	Headers map[string]string
	Body    []byte
	// Weight is this target's share of the requests relative to the other
	// targets' weights; zero counts as 1.
	Weight int
}

// validate checks that t makes a request.
func (t Target) validate() error {
	if t.Weight < 0 {
		return fmt.Errorf("weight %d: want 0 (counts as 1) or more", t.Weight)
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want an absolute http or https url", t.URL)
	}
	vt := t.vegeta()
	if _, err := vt.Request(); err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	return nil
}

// vegeta is t as vegeta's request blueprint.
func (t Target) vegeta() vegeta.Target {
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	h := make(http.Header, len(t.Headers))
	for k, v := range t.Headers {
		h.Set(k, v)
	}
	return vegeta.Target{Method: method, URL: t.URL, Body: t.Body, Header: h}
}

// weight is t's share, with zero counting as 1.
func (t Target) weight() int {
	if t.Weight == 0 {
		return 1
	}
	return t.Weight
}

// errStopped is what the targeter answers once the run is stopping. Its
// message says "context canceled", like the requests cut short in flight, and
// is counted with them as aborted.
var errStopped = fmt.Errorf("send after stop: %w", context.Canceled)

// targeter picks targets by smooth weighted round-robin (nginx's): with
// weights 3:1 it hands out a a b a, a a b a, ... so any stretch of requests
// has the mix asked for, not only the whole run. It also counts the requests
// sent, since vegeta asks for a target just before sending each one.
//
// Once stopping is done it hands out no more targets: after Stop, vegeta's
// pacing loop may still send a few requests (its select between sending and
// stopping picks at random), and those must not reach the target.
type targeter struct {
	targets  []vegeta.Target
	weights  []int
	total    int
	stopping <-chan struct{}

	mu      sync.Mutex
	current []int

	sent atomic.Int64
}

func newTargeter(ts []Target, stopping <-chan struct{}) *targeter {
	tr := &targeter{current: make([]int, len(ts)), stopping: stopping}
	for _, t := range ts {
		tr.targets = append(tr.targets, t.vegeta())
		tr.weights = append(tr.weights, t.weight())
		tr.total += t.weight()
	}
	return tr
}

// next is a vegeta.Targeter; vegeta calls it from many workers at once.
func (tr *targeter) next(t *vegeta.Target) error {
	if t == nil {
		return vegeta.ErrNilTarget
	}
	select {
	case <-tr.stopping:
		return errStopped
	default:
	}
	*t = tr.targets[tr.pick()]
	tr.sent.Add(1)
	return nil
}

// pick returns the index of the next target.
func (tr *targeter) pick() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	best := 0
	for i, w := range tr.weights {
		tr.current[i] += w
		if tr.current[i] > tr.current[best] {
			best = i
		}
	}
	tr.current[best] -= tr.total
	return best
}
