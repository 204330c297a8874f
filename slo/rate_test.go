package slo

import (
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	good := []struct {
		in   string
		want Rate
		text string
	}{
		{"200/s", 200, "200/s"},
		{"12.5/s", 12.5, "12.5/s"},
		{"3000/m", 50, "50/s"},
		{"7200/h", 2, "2/s"},
		{"30/m", 0.5, "0.5/s"},
		{"100/m", 100.0 / 60, "1.66667/s"},
		{" 1/s ", 1, "1/s"},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if err != nil {
				t.Fatalf("ParseRate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRate(%q) = %v, want %v", tt.in, float64(got), float64(tt.want))
			}
			if got.String() != tt.text {
				t.Errorf("String() = %q, want %q", got.String(), tt.text)
			}
		})
	}

	bad := []struct{ in, errHas string }{
		{"", "empty rate"},
		{"200", `rate "200" has no unit`},
		{"200/d", `rate "200/d" has unknown unit "/d"`},
		{"200/", `has unknown unit "/"`},
		{"200/sec", `unknown unit "/sec"`},
		{"abc/s", `invalid rate "abc/s"`},
		{"/s", `invalid rate "/s"`},
		{"-5/s", `rate "-5/s" must be positive`},
		{"0/s", `rate "0/s" must be positive`},
		{"Inf/s", "invalid rate"},
		{"1e3/s", "invalid rate"},
		{"1/s/s", "unknown unit"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			_, err := ParseRate(tt.in)
			if err == nil {
				t.Fatalf("ParseRate(%q) succeeded", tt.in)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not contain %q", err, tt.errHas)
			}
		})
	}
}

func TestRateText(t *testing.T) {
	var r Rate
	if err := r.UnmarshalText([]byte("3000/m")); err != nil || r != 50 {
		t.Fatalf("UnmarshalText = %v, %v", r, err)
	}
	if b, _ := r.MarshalText(); string(b) != "50/s" {
		t.Errorf("MarshalText = %s", b)
	}
	var p Ratio
	if err := p.UnmarshalText([]byte("0.1%")); err != nil || p != 0.001 {
		t.Fatalf("Ratio.UnmarshalText = %v, %v", p, err)
	}
	if b, _ := p.MarshalText(); string(b) != "0.1%" {
		t.Errorf("Ratio.MarshalText = %s", b)
	}
}
