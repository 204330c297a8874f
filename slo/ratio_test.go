package slo

import (
	"strings"
	"testing"
)

func TestParseRatio(t *testing.T) {
	good := []struct {
		in   string
		want Ratio
		text string
	}{
		{"99.9%", 0.999, "99.9%"},
		{"0.1%", 0.001, "0.1%"},
		{"1%", 0.01, "1%"},
		{"0%", 0, "0%"},
		{"100%", 1, "100%"},
		{"99.999%", 0.99999, "99.999%"},
		{"0.3%", 0.003, "0.3%"},
		{".5%", 0.005, "0.5%"},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRatio(tt.in)
			if err != nil {
				t.Fatalf("ParseRatio(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRatio(%q) = %v, want %v", tt.in, float64(got), float64(tt.want))
			}
			if got.String() != tt.text {
				t.Errorf("String() = %q, want %q", got.String(), tt.text)
			}
		})
	}

	bad := []struct{ in, errHas string }{
		{"", "empty percentage"},
		{"150%", `percentage "150%" is over 100%`},
		{"100.1%", "is over 100%"},
		{"-1%", `percentage "-1%" is negative`},
		{"abc", `percentage "abc" has no % sign`},
		{"abc%", `invalid percentage "abc%"`},
		{"0.001", "has no % sign"},
		{"%", "invalid percentage"},
		{"NaN%", "invalid percentage"},
		{"Inf%", "invalid percentage"},
		{"1e2%", "invalid percentage"},
		{"1.2.3%", "invalid percentage"},
		{"5 %", "invalid percentage"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			_, err := ParseRatio(tt.in)
			if err == nil {
				t.Fatalf("ParseRatio(%q) succeeded", tt.in)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not contain %q", err, tt.errHas)
			}
		})
	}
}

// A written budget and the same ratio measured from counts are one float64,
// so the boundary case observed == budget is exact.
func TestParseRatioMatchesCounts(t *testing.T) {
	for _, tt := range []struct {
		in          string
		errors, req int
	}{{"0.1%", 1, 1000}, {"0.3%", 3, 1000}, {"1.7%", 17, 1000}, {"33.3%", 333, 1000}, {"0.07%", 7, 10000}} {
		got, err := ParseRatio(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if want := Ratio(float64(tt.errors) / float64(tt.req)); got != want {
			t.Errorf("ParseRatio(%q) = %v, want %d/%d = %v", tt.in, float64(got), tt.errors, tt.req, float64(want))
		}
	}
}

func TestRatioString(t *testing.T) {
	tests := []struct {
		in   Ratio
		want string
	}{
		{0.012, "1.2%"},
		{1.0 / 3, "33.3333%"},
		{0.001 - 0.012, "-1.1%"},
		{0.0000001, "0.00001%"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Ratio(%v).String() = %q, want %q", float64(tt.in), got, tt.want)
		}
	}
}
