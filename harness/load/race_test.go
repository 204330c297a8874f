//go:build race

package load

// raceEnabled: the race detector slows the HTTP client and server several
// times over, which shows in latencies measured at the sub-millisecond level.
const raceEnabled = true
