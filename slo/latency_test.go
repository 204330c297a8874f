package slo

import (
	"strings"
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	good := []struct {
		in   string
		want time.Duration
		text string
	}{
		{"250ms", 250 * time.Millisecond, "250ms"},
		{"1.5s", 1500 * time.Millisecond, "1.5s"},
		{"2m", 2 * time.Minute, "2m0s"},
		{"90s", 90 * time.Second, "1m30s"},
		{"500us", 500 * time.Microsecond, "500µs"},
		{" 10ms ", 10 * time.Millisecond, "10ms"},
		{"1ns", 1, "1ns"},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLatency(tt.in)
			if err != nil {
				t.Fatalf("ParseLatency(%q): %v", tt.in, err)
			}
			if time.Duration(got) != tt.want {
				t.Errorf("ParseLatency(%q) = %v, want %v", tt.in, time.Duration(got), tt.want)
			}
			if got.String() != tt.text {
				t.Errorf("String() = %q, want %q", got.String(), tt.text)
			}
			back, err := ParseLatency(got.String())
			if err != nil || back != got {
				t.Errorf("round trip %q = %v, %v", got.String(), back, err)
			}
		})
	}

	bad := []struct{ in, errHas string }{
		{"", "empty latency"},
		{"   ", "empty latency"},
		{"250", `latency "250" has no unit`},
		{"0", `latency "0" has no unit`},
		{"abc", `invalid latency "abc"`},
		{"250 ms", `invalid latency "250 ms"`},
		{"1.5x", `invalid latency "1.5x"`},
		{"-5ms", `latency "-5ms" must be positive`},
		{"0s", `latency "0s" must be positive`},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			_, err := ParseLatency(tt.in)
			if err == nil {
				t.Fatalf("ParseLatency(%q) succeeded", tt.in)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not contain %q", err, tt.errHas)
			}
		})
	}
}

func TestLatencyString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{412*time.Millisecond + 345678, "412.346ms"},
		{-162 * time.Millisecond, "-162ms"},
		{1234, "1.234µs"},
		{time.Second + 1, "1s"},
	}
	for _, tt := range tests {
		if got := Latency(tt.in).String(); got != tt.want {
			t.Errorf("Latency(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestLatencyText(t *testing.T) {
	var l Latency
	if err := l.UnmarshalText([]byte("1.5s")); err != nil || l != Latency(1500*time.Millisecond) {
		t.Fatalf("UnmarshalText = %v, %v", l, err)
	}
	if b, _ := l.MarshalText(); string(b) != "1.5s" {
		t.Errorf("MarshalText = %s", b)
	}
	if err := l.UnmarshalText([]byte("fast")); err == nil {
		t.Error("UnmarshalText(fast) succeeded")
	}
}
