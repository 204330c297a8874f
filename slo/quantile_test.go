package slo

import (
	"strings"
	"testing"
)

func TestParseQuantile(t *testing.T) {
	good := []struct {
		in   string
		want Quantile
		min  int
	}{
		{"p50", P50, 2},
		{"p90", P90, 10},
		{"p95", P95, 20},
		{"p99", P99, 100},
		{"p99.9", P999, 1000},
		{"max", Max, 1},
		{"p75", 0.75, 4},
		{"p99.99", 0.9999, 10000},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQuantile(tt.in)
			if err != nil {
				t.Fatalf("ParseQuantile(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseQuantile(%q) = %v, want %v", tt.in, float64(got), float64(tt.want))
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
			if n := got.MinSamples(); n != tt.min {
				t.Errorf("MinSamples() = %d, want %d", n, tt.min)
			}
		})
	}
	bad := []struct{ in, errHas string }{
		{"", "invalid percentile"},
		{"99", "invalid percentile"},
		{"P99", "invalid percentile"},
		{"p", "invalid percentile"},
		{"pmax", "invalid percentile"},
		{"p-5", "invalid percentile"},
		{"p0", "out of range"},
		{"p100", "out of range"},
		{"p150", "out of range"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			_, err := ParseQuantile(tt.in)
			if err == nil {
				t.Fatalf("ParseQuantile(%q) succeeded", tt.in)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not contain %q", err, tt.errHas)
			}
		})
	}
}

// MinSamples is the smallest n whose nearest-rank q-quantile is not simply
// the maximum of the samples.
func TestMinSamplesIsFirstNotMax(t *testing.T) {
	for _, q := range []Quantile{P50, P90, P95, P99, P999, 0.75, 0.8, 0.9999} {
		n := q.MinSamples()
		s := ramp(n)
		if got := Percentile(s, float64(q)); got == s[n-1] {
			t.Errorf("%v of %d samples is the max %v", q, n, got)
		}
		if n > 1 {
			s = ramp(n - 1)
			if got := Percentile(s, float64(q)); got != s[n-2] {
				t.Errorf("%v of %d samples is %v, want the max %v", q, n-1, got, s[n-2])
			}
		}
	}
	if Max.MinSamples() != 1 || Quantile(0).MinSamples() != 1 {
		t.Error("max and invalid quantiles need 1 sample")
	}
}
