// Package swarmtest starts a Docker Swarm of several nodes for tests: Docker
// engines in containers of the test's own (the node image of
// fixtures/swarm/build-node-image.sh), on a network of their own, joined as
// one swarm. Each node's Docker API is published on a loopback port of the
// host, so a test reaches every node with an ordinary client.
//
// One cluster per test package, shared by its tests:
//
//	var cluster swarmtest.Shared // 1 manager, 2 workers
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		cluster.Close()
//		os.Exit(code)
//	}
//
//	func TestX(t *testing.T) {
//		c := cluster.Get(t, "app:1.0", "app:1.1") // started on first use; images loaded into every node
//		mgr := c.Manager()                          // mgr.Host is a DOCKER_HOST value, mgr.Client a client
//		...
//	}
//
// A test that needs a cluster of its own calls New(t, Options{...}): it is
// removed when the test ends. Starting a 3-node cluster with an image in
// every node takes about 11 s (nodes start at once; BenchmarkClusterStart,
// docs/benchmarks.md), so share one per package.
//
// Everything a cluster creates carries postflight's labels (stack.LabelRun is
// the cluster's prefix, stack.LabelOwner the test process), so `postflight
// cleanup` removes what a killed test left, and the next Start sweeps the
// leftovers of test processes that are gone. SIGINT and SIGTERM remove the
// live clusters before the process ends.
//
// Tests skip, saying why in one line, under -short and when the node image
// cannot be built (see ErrNoNodeImage); any other failure to start fails the
// test.
package swarmtest
