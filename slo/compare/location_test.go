package compare

import (
	"testing"
	"time"
)

// The shift's interval holds the true shift about as often as its
// confidence says: 98% by default, checked over seeded runs at n = 200 and
// with the pairs sampled at n = 1000.
func TestShiftIntervalCoversTheTrueShift(t *testing.T) {
	const seeds = 100
	for _, tt := range []struct {
		n     int
		shift time.Duration
	}{{200, 0}, {200, 10 * time.Millisecond}, {1000, 10 * time.Millisecond}} {
		covered := 0
		var width time.Duration
		for s := range uint64(seeds) {
			o := DefaultOptions()
			o.Seed = s
			l := mustCompare(t, ok(lognormal(2*s, tt.n, 100*time.Millisecond, 0.3, 0)), ok(lognormal(2*s+1, tt.n, 100*time.Millisecond, 0.3, tt.shift)), o).Location
			if l.Low > l.Shift || l.Shift > l.High || l.Confidence != 0.98 {
				t.Fatalf("n=%d seed %d: shift %v outside its interval %v..%v (confidence %v)", tt.n, s, l.Shift, l.Low, l.High, l.Confidence)
			}
			if l.Low <= tt.shift && tt.shift <= l.High {
				covered++
			}
			width += l.High - l.Low
		}
		t.Logf("n=%d shift %v: interval covered it in %d of %d runs, mean width %v", tt.n, tt.shift, covered, seeds, width/seeds)
		if covered < seeds*93/100 {
			t.Errorf("n=%d shift %v: covered in %d of %d runs, want at least 93%%", tt.n, tt.shift, covered, seeds)
		}
		if tt.n == 1000 && width/seeds > 10*time.Millisecond {
			t.Errorf("n=%d: mean width %v: an interval that wide says little", tt.n, width/seeds)
		}
	}
}
