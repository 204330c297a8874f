package compare

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCompare judges two lognormal samples of n latencies a side with
// the default options: Mann-Whitney, the Hodges-Lehmann shift and its
// interval (all pairs up to 100,000, drawn beyond), 2,000 bootstrap
// resamples of the p99, Fisher on the errors.
func BenchmarkCompare(b *testing.B) {
	for _, n := range []int{200, 1000, 10_000, 100_000} {
		base := Sample{Latencies: lognormal(1, n, 100*time.Millisecond, 0.3, 0), Requests: n + n/100, Errors: n / 100}
		canary := Sample{Latencies: lognormal(2, n, 100*time.Millisecond, 0.3, 5*time.Millisecond), Requests: n + n/50, Errors: n / 50}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(base, canary, DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
