package slo

import (
	"math"
	"testing"
	"time"
)

// ramp returns n samples 1ms, 2ms, ... nms, sorted.
func ramp(n int) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * time.Millisecond
	}
	return s
}

func TestPercentile(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		// 1..100ms: rank ceil(q*100).
		{"p50 of 100", ramp(100), 0.50, 50 * ms},
		{"p90 of 100", ramp(100), 0.90, 90 * ms},
		{"p95 of 100", ramp(100), 0.95, 95 * ms},
		{"p99 of 100", ramp(100), 0.99, 99 * ms},
		{"max of 100", ramp(100), 1, 100 * ms},
		// 1..10ms: p95 rank ceil(9.5) = 10, p99 rank ceil(9.9) = 10.
		{"p50 of 10", ramp(10), 0.50, 5 * ms},
		{"p90 of 10", ramp(10), 0.90, 9 * ms},
		{"p95 of 10", ramp(10), 0.95, 10 * ms},
		{"p99 of 10", ramp(10), 0.99, 10 * ms},
		// 1..1000ms: p99.9 rank 999, p99 rank 990.
		{"p99.9 of 1000", ramp(1000), 0.999, 999 * ms},
		{"p99 of 1000", ramp(1000), 0.99, 990 * ms},
		// Odd counts: p50 of 5 is rank ceil(2.5) = 3, of 4 is rank 2.
		{"p50 of 5", ramp(5), 0.5, 3 * ms},
		{"p50 of 4", ramp(4), 0.5, 2 * ms},
		{"p90 of 7", ramp(7), 0.9, 7 * ms},  // ceil(6.3) = 7
		{"p75 of 7", ramp(7), 0.75, 6 * ms}, // ceil(5.25) = 6
		// Ties and uneven values: no interpolation.
		{"ties", []time.Duration{10 * ms, 10 * ms, 10 * ms, 400 * ms}, 0.5, 10 * ms},
		{"no interpolation", []time.Duration{10 * ms, 400 * ms}, 0.9, 400 * ms},
		{"single", []time.Duration{7 * ms}, 0.99, 7 * ms},
		// Edges.
		{"q 0 is min", ramp(10), 0, 1 * ms},
		{"q below 0 is min", ramp(10), -1, 1 * ms},
		{"q above 1 is max", ramp(10), 2, 10 * ms},
		{"empty", nil, 0.99, 0},
		{"NaN", ramp(10), math.NaN(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("Percentile(%s, %v) = %v, want %v", tt.name, tt.q, got, tt.want)
			}
		})
	}
}
