package swarmtest

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// live are the clusters of this process not removed yet: SIGINT and
// SIGTERM remove them before the process ends.
var live struct {
	sync.Mutex
	clusters map[*Cluster]bool
	signals  chan os.Signal
}

func track(c *Cluster) {
	live.Lock()
	defer live.Unlock()
	if live.clusters == nil {
		live.clusters = map[*Cluster]bool{}
		live.signals = make(chan os.Signal, 1)
		signal.Notify(live.signals, syscall.SIGINT, syscall.SIGTERM)
		go removeOnSignal()
	}
	live.clusters[c] = true
}

func untrack(c *Cluster) {
	live.Lock()
	defer live.Unlock()
	delete(live.clusters, c)
}

// removeOnSignal removes the live clusters on the first signal, then ends
// the process as the signal would have.
func removeOnSignal() {
	sig := <-live.signals
	live.Lock()
	var cs []*Cluster
	for c := range live.clusters {
		cs = append(cs, c)
	}
	live.Unlock()
	for _, c := range cs {
		c.Close()
	}
	signal.Reset(sig)
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Second) // the signal's default action ends the process meanwhile
	}
	os.Exit(1)
}
