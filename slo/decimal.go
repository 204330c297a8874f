package slo

import (
	"math"
	"strconv"
)

// sigDigits is how many significant digits ratios, rates and quantiles keep
// when printed: enough for any budget a person writes ("99.999%"), few
// enough to hide floating-point noise (0.1 rather than 0.10000000000000002).
const sigDigits = 6

// formatDecimal writes v as a plain decimal, without exponent, rounded to
// sigDigits significant digits.
func formatDecimal(v float64) string {
	switch {
	case v == 0:
		return "0" // and not "-0"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sigDigits, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// isDecimal reports whether s is a plain decimal number as people write it
// in a plan: an optional sign, digits, and at most one decimal point, with at
// least one digit. It rejects what strconv.ParseFloat would also take but no
// budget should contain: "NaN", "Inf", exponents, hex, underscores.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, points := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// parseScaled reads the plain decimal s multiplied by 10^exp, rounded once:
// "0.3" with exp -2 is the float64 nearest to 0.003, the same value 3.0/1000
// gives, so a measured ratio equal to a written budget compares equal.
func parseScaled(s string, exp int) (float64, error) {
	return strconv.ParseFloat(s+"e"+strconv.Itoa(exp), 64)
}
