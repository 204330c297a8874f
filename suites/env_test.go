package suites_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/postflight/postflight/harness/ginkgosuite"
	"github.com/postflight/postflight/suites"
)

func TestURLEnvNameUpperCasesAndReplacesTheRest(t *testing.T) {
	for _, tc := range []struct {
		service string
		port    int
		want    string
	}{
		{"writer", 0, "POSTFLIGHT_URL_WRITER"},
		{"writer", 8080, "POSTFLIGHT_URL_WRITER_8080"},
		{"kv-writer.v2", 0, "POSTFLIGHT_URL_KV_WRITER_V2"},
		{"Api_1", 9090, "POSTFLIGHT_URL_API_1_9090"},
		{"dé", 0, "POSTFLIGHT_URL_D_"},
	} {
		if got := suites.URLEnvName(tc.service, tc.port); got != tc.want {
			t.Errorf("URLEnvName(%q, %d) = %s, want %s", tc.service, tc.port, got, tc.want)
		}
	}
}

func TestSuiteEnvNamesEveryEndpointAndTheRun(t *testing.T) {
	env, err := ginkgosuite.SuiteEnv{
		RunID: "r1", Phase: "check", NewImage: "demo:2",
		Endpoints: map[string]string{
			ginkgosuite.EndpointKey("writer", 0):    "http://127.0.0.1:1000",
			ginkgosuite.EndpointKey("writer", 8080): "http://127.0.0.1:1000",
			ginkgosuite.EndpointKey("kv-reader", 0): "http://127.0.0.1:2000",
		},
	}.Environ()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"POSTFLIGHT_RUN_ID":          "r1",
		"POSTFLIGHT_PHASE":           "check",
		"POSTFLIGHT_NEW_IMAGE":       "demo:2",
		"POSTFLIGHT_URL_WRITER":      "http://127.0.0.1:1000",
		"POSTFLIGHT_URL_WRITER_8080": "http://127.0.0.1:1000",
		"POSTFLIGHT_URL_KV_READER":   "http://127.0.0.1:2000",
	}
	if !maps.Equal(env, want) {
		t.Fatalf("Environ() = %v, want %v", env, want)
	}

	// What the suite reads back is what the run passed.
	for k, v := range env {
		t.Setenv(k, v)
	}
	if got := suites.URL("kv-reader"); got != "http://127.0.0.1:2000" {
		t.Errorf("URL(kv-reader) = %q", got)
	}
	if got := suites.URLPort("writer", 8080); got != "http://127.0.0.1:1000" {
		t.Errorf("URLPort(writer, 8080) = %q", got)
	}
	if suites.URLPort("writer", 9999) != "" || suites.URL("nosuch") != "" {
		t.Error("a port or service postflight did not pass has a URL")
	}
	if suites.RunID() != "r1" || suites.Phase() != "check" || suites.NewImage() != "demo:2" || !suites.UnderPostflight() {
		t.Errorf("run: %q %q %q %v", suites.RunID(), suites.Phase(), suites.NewImage(), suites.UnderPostflight())
	}
}

func TestSuiteEnvOutsideARunIsEmpty(t *testing.T) {
	env, err := ginkgosuite.SuiteEnv{}.Environ()
	if err != nil || len(env) != 0 {
		t.Fatalf("Environ() = %v, %v; want nothing", env, err)
	}
	t.Setenv(suites.EnvRunID, "")
	if suites.UnderPostflight() {
		t.Error("UnderPostflight without a run id")
	}
}

func TestSuiteEnvRefusesAmbiguousOrMalformedEndpoints(t *testing.T) {
	for _, tc := range []struct {
		name string
		eps  map[string]string
		want string
	}{
		{"two services one name", map[string]string{"a-b:0": "http://x", "a_b:0": "http://y"}, "would both be POSTFLIGHT_URL_A_B"},
		{"service named like a port", map[string]string{"w_8080:0": "http://x", "w:8080": "http://y"}, "would both be POSTFLIGHT_URL_W_8080"},
		{"no port", map[string]string{"writer": "http://x"}, `"writer" is not service:port`},
		{"no service", map[string]string{":80": "http://x"}, `":80" is not service:port`},
		{"bad port", map[string]string{"w:http": "http://x"}, `"w:http" is not service:port`},
		{"negative port", map[string]string{"w:-1": "http://x"}, `"w:-1" is not service:port`},
	} {
		env, err := ginkgosuite.SuiteEnv{Endpoints: tc.eps}.Environ()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Environ() = %v, %v; want an error with %q", tc.name, env, err, tc.want)
		}
	}
}
