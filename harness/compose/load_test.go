package compose

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles writes files (name to content) into a new directory and
// returns the path of its compose.yaml.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "compose.yaml")
}

// docker compose reads the .env file beside the compose file, and the
// process environment wins over it. A replica that read only the process
// environment would run another configuration than the deployed one: here
// another image of a service not under test. Validation reads the process
// environment alone.
func TestLoadInterpolatesAsTheModeSays(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		env  map[string]string
		want string
	}{
		{"running: from the .env file", ForRunning, nil, "cache:1.2"},
		{"running: the process environment wins", ForRunning, map[string]string{"CACHE_TAG": "9"}, "cache:9"},
		{"running: .env left out as docker compose is told", ForRunning, map[string]string{"COMPOSE_DISABLE_ENV_FILE": "true"}, "cache:"},
		{"validation: not the .env file", ForValidation, nil, "cache:"},
		{"validation: the process environment", ForValidation, map[string]string{"CACHE_TAG": "9"}, "cache:9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeFiles(t, map[string]string{
				"compose.yaml": "services:\n  cache:\n    image: cache:${CACHE_TAG}\n",
				".env":         "CACHE_TAG=1.2\n",
			})
			p, err := Load(context.Background(), path, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Services["cache"].Image; got != tt.want {
				t.Errorf("image %q, want %q", got, tt.want)
			}
			if p.Name != projectName {
				t.Errorf("project %q, want %q", p.Name, projectName)
			}
		})
	}
}

// A plan is validated without the deployment's secrets, so what deployment
// requires (a variable, an env_file, a service named in depends_on) is no
// error for validation; running the file as docker compose would refuses
// it, saying which file was read.
func TestLoadIsStrictOnlyForRunning(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		wantErr string
	}{
		{"required variable unset", "services:\n  api:\n    image: api:${API_TAG:?set the api tag}\n",
			"required variable API_TAG is missing a value: set the api tag"},
		{"env_file missing", "services:\n  api:\n    image: api\n    env_file: secrets.env\n",
			"secrets.env not found"},
		{"depends_on an undefined service", "services:\n  api:\n    image: api\n    depends_on: [db]\n",
			`service "api" depends on undefined service "db"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFiles(t, map[string]string{"compose.yaml": tt.compose})
			p, err := Load(context.Background(), path, ForValidation)
			if err != nil {
				t.Fatalf("validation: %v", err)
			}
			if _, ok := p.Services["api"]; !ok {
				t.Errorf("validation: services %v, want api", p.ServiceNames())
			}
			_, err = Load(context.Background(), path, ForRunning)
			if err == nil {
				t.Fatal("running: no error")
			}
			if !strings.HasPrefix(err.Error(), "read compose file "+path+": ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("running: %q, want it to name %s and say %q", err, path, tt.wantErr)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "compose.yaml")
	if _, err := Load(context.Background(), path, ForValidation); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("validation: %v, want fs.ErrNotExist", err)
	}
	_, err := Load(context.Background(), path, ForRunning)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "read compose file "+path+": ") {
		t.Errorf("running: %v, want fs.ErrNotExist naming %s", err, path)
	}
}

// The .env file's own mistakes are reported, as docker compose reports
// them; a .env that is a directory is no .env file.
func TestEnvironment(t *testing.T) {
	t.Setenv("FROM_PROCESS", "p")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DotEnvFile), []byte("FROM_PROCESS=f\nFROM_FILE=f\nDERIVED=${FROM_PROCESS}-x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := Environment(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"FROM_PROCESS": env["FROM_PROCESS"], "FROM_FILE": env["FROM_FILE"], "DERIVED": env["DERIVED"]}
	want := map[string]string{"FROM_PROCESS": "p", "FROM_FILE": "f", "DERIVED": "p-x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	if err := os.WriteFile(filepath.Join(dir, DotEnvFile), []byte("A='unterminated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Environment(dir); err == nil || !strings.Contains(err.Error(), "unterminated quoted value") {
		t.Errorf("malformed .env: %v, want the parse error", err)
	}

	asDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(asDir, DotEnvFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if env, err := Environment(asDir); err != nil || env["FROM_PROCESS"] != "p" {
		t.Errorf(".env a directory: %v, FROM_PROCESS=%q; want the process environment alone", err, env["FROM_PROCESS"])
	}
}

func TestServicePorts(t *testing.T) {
	path := writeFiles(t, map[string]string{"compose.yaml": `services:
  api:
    image: api
    ports: ["18080:8080", "9090", "8080"]
    expose: ["8080/tcp", "7000-7002"]
  bad:
    image: bad
    expose: ["7002-7000"]
`})
	p, err := Load(context.Background(), path, ForValidation)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ServicePorts(p.Services["api"])
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{7000, 7001, 7002, 8080, 9090}; !reflect.DeepEqual(got, want) {
		t.Errorf("api: %v, want %v", got, want)
	}
	if _, err := ServicePorts(p.Services["bad"]); err == nil || err.Error() != `expose "7002-7000": not a port range` {
		t.Errorf("bad: %v, want the range named", err)
	}
}
