package swarmtest

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// New starts a cluster for one test, with opts.Images in every node, and
// removes it when the test ends. It skips the test under -short and when
// the node image cannot be built; any other error fails it.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	skipShort(t)
	c, err := Start(context.Background(), opts)
	check(t, err)
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("remove swarm cluster %s: %v", c.Prefix, err)
		}
	})
	return c
}

// Shared is one cluster for the tests of a package: started by the first
// Get, removed by Close (call it from TestMain after m.Run). The zero value
// is one manager and two workers; set Options before the first Get for
// another shape.
type Shared struct {
	Options Options

	mu      sync.Mutex
	cluster *Cluster
	err     error
	tried   bool
	loaded  map[string]bool
}

// Get is the package's cluster, started on first use, with images loaded
// into every node (those of Options and any given here that were not
// loaded yet). It skips the test under -short and when the node image
// cannot be built; a cluster that failed to start fails every test that
// asks for it.
func (s *Shared) Get(t testing.TB, images ...string) *Cluster {
	t.Helper()
	skipShort(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tried {
		s.tried = true
		s.cluster, s.err = Start(context.Background(), s.Options)
		s.loaded = map[string]bool{}
		for _, img := range s.Options.Images {
			s.loaded[img] = true
		}
	}
	check(t, s.err)
	var missing []string
	for _, img := range images {
		if !s.loaded[img] {
			missing = append(missing, img)
		}
	}
	if err := s.cluster.Load(context.Background(), missing...); err != nil {
		t.Fatal(err)
	}
	for _, img := range missing {
		s.loaded[img] = true
	}
	return s.cluster
}

// Close removes the cluster, if one was started.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cluster == nil {
		return nil
	}
	return s.cluster.Close()
}

func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker and a multi-node Swarm; skipped in -short mode")
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoNodeImage) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}
