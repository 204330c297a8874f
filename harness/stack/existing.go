package stack

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Existing is a stack that is already running, known by a base URL per
// service. postflight neither starts nor stops it.
type Existing struct {
	urls map[string]string
}

var _ Stack = (*Existing)(nil)

// NewExisting targets services at the given base URLs.
func NewExisting(urls map[string]string) *Existing { return &Existing{urls: urls} }

// Up implements Stack: an existing stack is up already.
func (e *Existing) Up(context.Context) error { return nil }

// SwapImage implements Stack: the rollback driver changes an existing stack,
// so there is nothing to swap here.
func (e *Existing) SwapImage(context.Context, string) error { return nil }

// Down implements Stack: an existing stack stays up.
func (e *Existing) Down(context.Context) error { return nil }

// BaseURL implements result.Endpoints. The port is not used: the URL says it.
func (e *Existing) BaseURL(service string, _ int) (string, error) {
	u, ok := e.urls[service]
	if !ok {
		return "", fmt.Errorf("service %s is not in the stack", service)
	}
	if u == "" {
		return "", fmt.Errorf("service %s has no url in the plan: its tasks are found on Swarm by `postflight canary` alone", service)
	}
	return strings.TrimRight(u, "/"), nil
}

func (e *Existing) String() string {
	names := make([]string, 0, len(e.urls))
	for n := range e.urls {
		names = append(names, n)
	}
	sort.Strings(names)
	return "existing stack (" + strings.Join(names, ", ") + ")"
}
