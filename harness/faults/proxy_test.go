package faults_test

import (
	"bytes"
	"encoding/json"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// newProxy starts a toxiproxy proxy in this process, on a loopback port of
// its own, in front of upstream (host:port). It stops when the test ends.
func newProxy(t *testing.T, upstream string) *toxiproxy.Proxy {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "faults", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("start proxy to %s: %v", upstream, err)
	}
	t.Cleanup(p.Stop)
	return p
}

// toxic is one toxiproxy toxic: its type, the stream it acts on
// ("upstream": client to service; "downstream": the answers), the share of
// connections it applies to, and its attributes.
type toxic struct {
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float32        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

// add puts the toxic on the proxy's new connections.
func (x toxic) add(t *testing.T, p *toxiproxy.Proxy) {
	t.Helper()
	if x.Toxicity == 0 {
		x.Toxicity = 1
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Toxics.AddToxicJson(bytes.NewReader(b)); err != nil {
		t.Fatalf("add toxic %s: %v", b, err)
	}
}
