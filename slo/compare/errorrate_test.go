package compare

import (
	"math"
	"testing"
)

func TestFisherGreaterMatchesKnownTables(t *testing.T) {
	tests := []struct {
		name           string
		k1, n1, k2, n2 int
		want           float64
	}{
		// Fisher's lady tasting tea: 3 of 4 against 1 of 4.
		{"tea", 3, 4, 1, 4, 17.0 / 70},
		{"no failures on the first side", 0, 10, 5, 10, 1},
		{"all failures on the first side", 4, 4, 0, 4, 1.0 / 70},
		// 4 of 120 against 0 of 120: C(120,4)/C(240,4).
		{"four against none", 4, 120, 0, 120, 120.0 * 119 * 118 * 117 / (240 * 239 * 238 * 237)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fisherGreater(tt.k1, tt.n1, tt.k2, tt.n2); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("fisherGreater(%d, %d, %d, %d) = %v, want %v", tt.k1, tt.n1, tt.k2, tt.n2, got, tt.want)
			}
		})
	}
}

func TestFisherGreaterKeepsTinyPValues(t *testing.T) {
	if p := fisherGreater(200, 1000, 0, 1000); !(p > 0 && p < 1e-20) {
		t.Errorf("200 of 1000 against none: p = %v, want tiny but above 0", p)
	}
}
