package compare

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// signedMs writes a latency difference in milliseconds with its sign, to
// the precision that matters at its size: "+41 ms", "+1.5 ms", "-0.25 ms".
func signedMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch a := math.Abs(ms); {
	case a >= 10:
		return fmt.Sprintf("%+.0f ms", ms)
	case a >= 1:
		return fmt.Sprintf("%+.1f ms", ms)
	default:
		return fmt.Sprintf("%+.2f ms", ms)
	}
}

// PValue writes a p-value to two significant digits: "= 0.002", or
// "< 0.0001" for the smallest.
func PValue(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return "= " + strconv.FormatFloat(p, 'g', 2, 64)
}

// percent writes a fraction as a percentage to two significant digits:
// "0.4%", "3.3%", "98%".
func percent(f float64) string {
	p := f * 100
	if p >= 10 {
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	return strconv.FormatFloat(p, 'g', 2, 64) + "%"
}
