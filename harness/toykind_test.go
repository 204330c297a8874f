package harness_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postflight/postflight/harness"
	"github.com/postflight/postflight/harness/engine"
	"github.com/postflight/postflight/harness/plan"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/internal/nettest"
	"github.com/postflight/postflight/slo"
)

// A kind of check added through the registry alone: a TCP connection to a
// service. Nothing else in postflight knows it.
func init() {
	engine.Register(engine.Checker{
		Kind: plan.Kind{
			Name:   "toy-tcp",
			Help:   "a TCP connection to a service",
			Fields: []string{"service"},
			Validate: func(c *plan.Check, p plan.Problems) {
				if p.Required("service") {
					p.Service("service", c.Service)
				}
			},
			ServicePorts: func(c *plan.Check) []plan.ServicePort { return []plan.ServicePort{{Service: c.Service}} },
		},
		Run: func(ctx context.Context, c plan.Check, env engine.Env) result.Result {
			res := result.Result{Expected: "a connection", Attempts: 1}
			base, err := env.Endpoints.BaseURL(c.Service, 0)
			if err != nil {
				return res.Unmeasured(err.Error())
			}
			u, err := url.Parse(base)
			if err != nil {
				return res.Unmeasured(err.Error())
			}
			res.Target = "tcp " + u.Host
			conn, err := (&net.Dialer{Timeout: c.Timeout.Or(time.Second)}).DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return res.Unmeasured(err.Error())
			}
			conn.Close()
			res.Status, res.Observed, res.Reason = slo.Pass, "connected", "connected"
			return res
		},
	})
}

func writeToyPlan(t *testing.T, checks string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	return writeExistingPlan(t, srv.URL, fmt.Sprintf("      gone: {url: %q}\nchecks:\n%s", nettest.RefusedURL(t), checks))
}

// writeExistingPlan writes a plan against an existing stack whose service
// web answers at url; rest follows the services' list (more services,
// then checks and the rest of the plan).
func writeExistingPlan(t *testing.T, url, rest string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "postflight.yaml")
	src := fmt.Sprintf("version: 1\nstack:\n  existing:\n    services:\n      web: {url: %q}\n%s", url, rest)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAKindAddedThroughTheRegistryRunsEndToEnd(t *testing.T) {
	path := writeToyPlan(t, "  - {name: web-port, kind: toy-tcp, service: web}\n  - {name: health, kind: http, service: web}\n")
	rep, err := harness.Run(context.Background(), loadPlan(t, path), harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != report.Passed {
		t.Fatalf("outcome %s: %s", rep.Outcome, rep.Summary)
	}
	if c := rep.Checks[0]; c.Name != "web-port" || c.Kind != "toy-tcp" || c.Status != slo.Pass || !strings.HasPrefix(c.Target, "tcp 127.0.0.1:") {
		t.Errorf("toy check: %+v", c)
	}

	// The same kind against a service that is down measures nothing.
	path = writeToyPlan(t, "  - {name: gone-port, kind: toy-tcp, service: gone}\n")
	rep, err = harness.Run(context.Background(), loadPlan(t, path), harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Checks[0]; rep.Outcome != report.Inconclusive || c.Status != slo.Inconclusive || !strings.Contains(c.Reason, "could not measure") {
		t.Errorf("outcome %s, check %s: %s", rep.Outcome, c.Status, c.Reason)
	}
}

func TestAKindAddedThroughTheRegistryIsValidated(t *testing.T) {
	tests := []struct{ check, want string }{
		{"  - {name: p, kind: toy-tcp}\n", `checks[0]: missing required field "service"`},
		{"  - {name: p, kind: toy-tcp, service: nope}\n", "nope"},
		{"  - {name: p, kind: toy-tcp, service: web, url: http://x/}\n", "url"},
		{"  - {name: p, kind: toy-tcpp, service: web}\n", `did you mean "toy-tcp"`},
	}
	for _, tt := range tests {
		path := writeToyPlan(t, tt.check)
		_, err := plan.Load(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path+":") {
			t.Errorf("%s: err %v, want the file, its line and %q", strings.TrimSpace(tt.check), err, tt.want)
		}
	}
}
