package plan

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// tcpKind is a kind of check the plan does not have: a connection to a
// service's port.
var tcpKind = Kind{
	Name:   "tcp",
	Help:   "a connection to a service's port",
	Fields: []string{"service", "port"},
	Validate: func(c *Check, p Problems) {
		if p.Required("service") {
			p.Service("service", c.Service)
		}
		if p.Has("port") && c.Port == 22 {
			p.At("port", "port %d is the host's ssh, not the service", c.Port)
		}
	},
	Defaults: func(_ *Plan, c *Check) { c.Port = cmp.Or(c.Port, 8080) },
	ServicePorts: func(c *Check) []ServicePort {
		return []ServicePort{{c.Service, c.Port}}
	},
}

// registerForTest registers k until the test ends.
func registerForTest(t *testing.T, k Kind) {
	t.Helper()
	RegisterKind(k)
	t.Cleanup(func() {
		registry.Lock()
		defer registry.Unlock()
		delete(registry.byName, k.Name)
		registry.names = slices.DeleteFunc(registry.names, func(n string) bool { return n == k.Name })
		ImageKinds = slices.DeleteFunc(ImageKinds, func(n string) bool { return n == k.Name })
	})
}

const tcpHead = `version: 1
stack:
  replica: {compose: compose.yaml, under_test: [api]}
checks:
`

func TestARegisteredKindDecodesValidatesAndGetsDefaults(t *testing.T) {
	registerForTest(t, tcpKind)
	p, err := parseInDir(t, tcpHead+`  - {name: api-port, kind: tcp, service: api}
  - {name: writer-port, kind: tcp, service: writer, port: 9090, timeout: 2s}
`, "")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Check{
		{Name: "api-port", Kind: "tcp", Service: "api", Port: 8080,
			Request: HTTPRequest{Method: "GET"}, Timeout: Duration{DefaultCheckTimeout, true}, RetryInterval: Duration{DefaultRetryInterval, true}},
		{Name: "writer-port", Kind: "tcp", Service: "writer", Port: 9090,
			Request: HTTPRequest{Method: "GET"}, Timeout: Duration{2 * time.Second, true}, RetryInterval: Duration{DefaultRetryInterval, true}},
	}
	if !reflect.DeepEqual(p.Checks, want) {
		t.Errorf("checks =\n%+v\nwant\n%+v", p.Checks, want)
	}
	if got := p.Checks[1].ServicePorts(); !reflect.DeepEqual(got, []ServicePort{{"writer", 9090}}) {
		t.Errorf("ServicePorts() = %v, want the kind's", got)
	}
	if !p.MeasuresReplica() {
		t.Error("MeasuresReplica() = false for checks of the replica's services")
	}
}

func TestARegisteredKindsProblemsNameFileLineAndField(t *testing.T) {
	registerForTest(t, tcpKind)
	tests := []struct {
		name      string
		check     string
		line, col int
		want      string
	}{
		{"a field Validate requires", "  - {name: p, kind: tcp}\n",
			5, 5, `postflight.yaml:5:5: checks[0]: missing required field "service"`},
		{"a service the stack does not have", "  - {name: p, kind: tcp, service: db}\n",
			5, 35, `postflight.yaml:5:35: checks[0].service: undefined service "db"; compose file "compose.yaml" has "api", "worker", "writer"`},
		{"a problem Validate finds at a field", "  - name: p\n    kind: tcp\n    service: api\n    port: 22\n",
			8, 11, `postflight.yaml:8:11: checks[0].port: port 22 is the host's ssh, not the service`},
		{"a field the kind does not accept", "  - {name: p, kind: tcp, service: api, url: \"http://example.com/\"}\n",
			5, 40, `postflight.yaml:5:40: checks[0].url: url does not apply to a "tcp" check; it is for kind "http"`},
		{"a field of the kind on another kind", "  - {name: p, kind: hygiene, hygiene: {ports: [80]}, port: 80}\n",
			5, 54, `checks[0].port: port does not apply to a "hygiene" check; it is for kind "http", "load", "propagation", "compare", "tcp"`},
		{"a kind misspelt", "  - {name: p, kind: tpc, service: api}\n",
			5, 21, `checks[0].kind: unknown check kind "tpc"; known kinds are "http", "load", "propagation", "provenance", "integrity", "hygiene", "packages", "ginkgo", "compare", "tcp"; did you mean "tcp"?`},
		{"rollback verified by the kind", "  - {name: p, kind: tcp, service: api}\n  - {name: pkgs, kind: packages}\nrollback: {driver: command, command: [true], verify: [pkgs]}\n",
			7, 55, `name a check of what runs (http, load, propagation, provenance, ginkgo or tcp)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseInDir(t, tcpHead+tt.check, "")
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want an error", p)
			}
			wantErrorAt(t, err, tt.line, tt.col, tt.want)
		})
	}
}

func TestAKindNotRegisteredIsAPlanError(t *testing.T) {
	_, err := parseInDir(t, tcpHead+"  - {name: p, kind: tcp, service: api}\n", "")
	wantErrorAt(t, err, 5, 21, `checks[0].kind: unknown check kind "tcp"; known kinds are "http", "load", "propagation", "provenance", "integrity", "hygiene", "packages", "ginkgo"`)
	if strings.Contains(err.Error(), `"packages", "tcp"`) {
		t.Errorf("a kind no longer registered is listed as known:\n%v", err)
	}
}

func TestRegisterKindRefusesMistakes(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		want string
	}{
		{"a second kind of a name", Kind{Name: KindHTTP}, `kind "http" is registered twice`},
		{"no name", Kind{Fields: []string{"service"}}, "a kind needs a name"},
		{"a field a check does not have", Kind{Name: "tcp", Fields: []string{"host"}}, `a check has no field "host"`},
		{"a field every check has", Kind{Name: "tcp", Fields: []string{"timeout"}}, `every check has field "timeout"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Errorf("RegisterKind panicked with %v, want a panic saying %q", r, tt.want)
				}
				if _, ok := LookupKind("tcp"); ok {
					t.Error("a refused kind is registered")
				}
			}()
			RegisterKind(tt.kind)
		})
	}
	registerForTest(t, tcpKind)
	defer func() {
		if r := recover(); r == nil {
			t.Error("registering tcp twice did not panic")
		}
	}()
	RegisterKind(tcpKind)
}

func TestEveryBuiltInKindIsRegistered(t *testing.T) {
	builtIn := []Kind{HTTPKind, LoadKind, PropagationKind, ProvenanceKind, IntegrityKind, HygieneKind, PackagesKind, GinkgoKind, CompareKind}
	for _, want := range builtIn {
		got, ok := LookupKind(want.Name)
		if !ok {
			t.Errorf("kind %q is not registered", want.Name)
			continue
		}
		if got.Help == "" || len(got.Fields) == 0 || !reflect.DeepEqual(got.Fields, want.Fields) {
			t.Errorf("kind %q: help %q, fields %v; want a help line and fields %v", want.Name, got.Help, got.Fields, want.Fields)
		}
	}
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	wantNames := []string{"compare", "ginkgo", "http", "hygiene", "integrity", "load", "packages", "propagation", "provenance"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("Kinds() = %v, want %v (sorted by name)", names, wantNames)
	}
	if want := []string{"provenance", "integrity", "hygiene", "packages"}; !reflect.DeepEqual(ImageKinds, want) {
		t.Errorf("ImageKinds = %v, want %v", ImageKinds, want)
	}
}

// Every field of a check but name, kind and timeout belongs to a kind, so
// that a check of another kind that sets it is told so.
func TestEveryCheckFieldBelongsToAKind(t *testing.T) {
	for _, f := range checkFields {
		if slices.Contains(commonFields, f) {
			continue
		}
		if kinds := kindNames(func(k Kind) bool { return k.accepts(f) }); len(kinds) == 0 {
			t.Errorf("field %q belongs to no kind: it would be accepted nowhere", f)
		}
	}
}
