package hygiene

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// KindPort is the check kind of a port result.
const KindPort = "port"

// Port is one host port the stack needs and who holds it.
type Port struct {
	Port int `json:"port"`
	// Free says nothing listens on it or publishes it.
	Free bool `json:"free"`
	// Containers are the containers that publish it.
	Containers []Container `json:"containers,omitempty"`
	// Process is the host process listening on it, when one was found.
	Process *Process `json:"process,omitempty"`

	Status   slo.Status `json:"status"`
	Expected string     `json:"expected"`
	Observed string     `json:"observed"`
	Reason   string     `json:"reason"`
}

// Result is the check result; Name and Phase are the caller's to set.
func (p *Port) Result() result.Result {
	return result.Result{
		Kind: KindPort, Target: "port " + strconv.Itoa(p.Port), Status: p.Status,
		Expected: p.Expected, Observed: p.Observed, Reason: p.Reason, Attempts: 1,
	}
}

// probeAddrs are where a listen is tried: a port held on any of them is
// held for the stack. The IPv4 wildcard meets a listener on any IPv4
// address; the IPv6 one (IPv6 only, as Go opens it) one on any IPv6
// address, which Docker publishes on too and "localhost" may reach first.
var probeAddrs = []struct{ network, addr string }{{"tcp4", "0.0.0.0"}, {"tcp4", "127.0.0.1"}, {"tcp6", "::"}}

// probe tries to listen on the port, and lets it go at once. held is true
// when something else has it; err is for any other failure (no permission
// for a low port). A host without IPv6 is probed on IPv4 alone.
func probe(port int) (held bool, err error) {
	for _, a := range probeAddrs {
		l, err := net.Listen(a.network, net.JoinHostPort(a.addr, strconv.Itoa(port)))
		if errors.Is(err, syscall.EADDRINUSE) {
			return true, nil
		}
		if a.network == "tcp6" && (errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EADDRNOTAVAIL)) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("listen on %s: %w", net.JoinHostPort(a.addr, strconv.Itoa(port)), err)
		}
		l.Close()
	}
	return false, nil
}

// check finds who holds the port and whether that is the stack.
func (p *Port) check(publishers []Container) {
	j := p.find(publishers).Judge()
	p.Status, p.Reason = j.Status, j.Reason
}

// find finds who holds the port, and whether that is the stack.
func (p *Port) find(publishers []Container) slo.Finding {
	p.Containers = publishers
	p.Expected = fmt.Sprintf("port %d free, or held by the stack", p.Port)
	held, err := probe(p.Port)
	if err != nil {
		p.Observed = "not probed"
		return slo.NotMeasured("could not probe: " + err.Error())
	}
	var theirs, ours []string
	for _, c := range publishers {
		if c.Known {
			ours = append(ours, c.Name)
		} else {
			theirs = append(theirs, c.String())
		}
	}
	if held || len(publishers) > 0 {
		if proc, ok, err := listener(p.Port); err == nil && ok {
			p.Process = &proc
		}
	}
	switch {
	case len(theirs) > 0:
		p.Observed = "published by " + strings.Join(append(theirs, ours...), ", ")
		return slo.Missed(fmt.Sprintf("port %d is published by a container that is not the stack's: %s", p.Port, strings.Join(theirs, "; ")))
	case len(ours) > 0:
		p.Observed = "published by " + strings.Join(ours, ", ")
		return slo.Met("held by the stack")
	case !held:
		p.Free, p.Observed = true, "free"
		return slo.Met("nothing holds it")
	case p.Process != nil:
		p.Observed = fmt.Sprintf("held by process %s (pid %d)", p.Process.Name, p.Process.PID)
		why := fmt.Sprintf("port %d is held by process %s (pid %d), not by the stack", p.Port, p.Process.Name, p.Process.PID)
		if p.Process.Name == "docker-proxy" {
			why += ": an orphaned docker-proxy, which no container publishes the port through"
		}
		return slo.Missed(why)
	default:
		p.Observed = "held"
		return slo.Missed(fmt.Sprintf("port %d is held by something that is not the stack (no container publishes it, and no process on this host's view listens on it: another network namespace, or a process not visible)", p.Port))
	}
}
