package plan

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// parseCost parses data and returns its errors and the bytes it allocated.
func parseCost(t *testing.T, data []byte) (Errors, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse("hostile.yaml", data)
	runtime.ReadMemStats(&after)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse: %v (%T), want plan Errors", err, err)
	}
	return errs, after.TotalAlloc - before.TotalAlloc
}

func TestHostileYAMLIsRefusedCheaplyWithAPosition(t *testing.T) {
	const head = "version: 1\nname: "
	tests := []struct {
		name      string
		data      string
		line, col int
		want      string
	}{
		{"40 KB of flow nesting", head + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + "\n", 2, 6 + MaxNesting, "nests deeper than 64 levels"},
		{"200 KB of unclosed flow nesting", head + strings.Repeat("[", 200_000) + "\n", 2, 6 + MaxNesting, "nests deeper than 64 levels"},
		{"nested flow mappings", head + strings.Repeat("{a: ", 10_000) + "1" + strings.Repeat("}", 10_000) + "\n", 2, 7 + 4*(MaxNesting-1), "nests deeper than 64 levels"},
		{"40 KB of compact block sequences", "version: 1\nname:\n  " + strings.Repeat("- ", 20_000) + "x\n", 3, 3 + 2*(MaxNesting-1), "nests deeper than 64 levels"},
		{"brackets after a quote the parsers may read otherwise", head + "\"x\" \"" + strings.Repeat("[", 40_000) + "\n", 2, 0, "invalid YAML"},
		{"unknown anchor", "version: 1\nname: demo\nchecks: *nope\n", 3, 9, "unknown anchor 'nope'"},
		{"bad UTF-8", "version: 1\nname: d\xffmo\n", 2, 8, "not valid UTF-8"},
		{"control character", "version: 1\nname: d\x01mo\n", 2, 8, "control character U+0001"},
		{"merge key cycle", "version: 1\nstack: &s\n  <<: *s\n", 3, 7, "merges a mapping into itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, alloc := parseCost(t, []byte(tt.data))
			wantErrorAt(t, errs, tt.line, tt.col, tt.want)
			if limit := uint64(64 << 20); alloc > limit {
				t.Errorf("parsing %d bytes allocated %d MiB, want under %d MiB", len(tt.data), alloc>>20, limit>>20)
			}
		})
	}
}

func TestPlanFileSizeIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := "version: 1\nname: demo\n# " + strings.Repeat("x", MaxPlanSize) + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, parse := range map[string]func() error{
		"Load":  func() error { _, err := Load(path); return err },
		"Parse": func() error { _, err := Parse(path, []byte(data)); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := parse()
			if err == nil || !strings.Contains(err.Error(), path+":1:1: the plan is larger than 1 MiB (1048576 bytes)") {
				t.Errorf("error %v, want one naming %s and the cap", err, path)
			}
		})
	}
}

func TestNestingScanOfOrdinaryYAML(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		depth int // the most levels the scan may count
	}{
		{"block mappings", "a:\n  b:\n    c: 1\n  d: 2\n", 3},
		{"brackets in quotes and comments", "a: \"[[[[\" # {{{{\nb: '{{[['\nc: it's [x]\n", 2},
		{"literal block", "a: |\n  [[[[\n    {{{{\nb: 1\n", 1},
		{"compact sequences", "a:\n- - x\n  - y\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, deep := scanNesting([]byte(tt.data), tt.depth); deep {
				t.Errorf("scan found more than %d levels at %d:%d", tt.depth, p.line, p.column)
			}
			if tt.depth > 1 {
				if _, deep := scanNesting([]byte(tt.data), tt.depth-1); !deep {
					t.Errorf("scan found no more than %d levels, want %d", tt.depth-1, tt.depth)
				}
			}
		})
	}
}
