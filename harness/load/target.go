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
	// Judge says whether an answer from this target is as expected; nil
	// expects a 2xx or 3xx status.
	Judge Judge
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
	vt := t.vegeta(0)
	if _, err := vt.Request(); err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	return nil
}

// vegeta is t as vegeta's request blueprint, its URL marked with the
// target's index (see markURL).
func (t Target) vegeta(index int) vegeta.Target {
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	h := make(http.Header, len(t.Headers))
	for k, v := range t.Headers {
		h.Set(k, v)
	}
	return vegeta.Target{Method: method, URL: markURL(t.URL, index), Body: t.Body, Header: h}
}

// markURL puts the target's index in the URL's fragment. A fragment is
// never sent, and vegeta hands each result back with the URL it was sent
// to: the mark is how an answer finds the target, and so the Judge, it
// came from, even when two targets share a method and URL.
func markURL(raw string, index int) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // validate reports it
	}
	u.Fragment = fmt.Sprintf("postflight-target-%d", index)
	return u.String()
}

// judge is t's Judge, or the status judge.
func (t Target) judge() Judge {
	if t.Judge == nil {
		return judgeStatus
	}
	return t.Judge
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
//
// It keeps the peak of requests in flight too, sent but not yet collected,
// which says whether a cap on workers held the rate back.
type targeter struct {
	targets  []vegeta.Target
	weights  []int
	total    int
	stopping <-chan struct{}

	mu      sync.Mutex
	current []int

	sent, collected, peak atomic.Int64
}

func newTargeter(ts []Target, stopping <-chan struct{}) *targeter {
	tr := &targeter{current: make([]int, len(ts)), stopping: stopping}
	for i, t := range ts {
		tr.targets = append(tr.targets, t.vegeta(i))
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
	raise(&tr.peak, tr.sent.Add(1)-tr.collected.Load())
	return nil
}

// raise sets n to v if v is higher.
func raise(n *atomic.Int64, v int64) {
	for old := n.Load(); v > old; old = n.Load() {
		if n.CompareAndSwap(old, v) {
			return
		}
	}
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
