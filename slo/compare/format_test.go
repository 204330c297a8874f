package compare

import (
	"testing"
	"time"
)

func TestNumbersAreWrittenForPeople(t *testing.T) {
	tests := []struct{ got, want string }{
		{signedMs(41 * time.Millisecond), "+41 ms"},
		{signedMs(-1500 * time.Microsecond), "-1.5 ms"},
		{signedMs(250 * time.Microsecond), "+0.25 ms"},
		{PValue(0.0021), "= 0.0021"},
		{PValue(0.41), "= 0.41"},
		{PValue(1e-9), "< 0.0001"},
		{percent(0.004), "0.4%"},
		{percent(0.98), "98%"},
		{percent(0), "0%"},
		{NotWorse.String() + "/" + Inconclusive.String() + "/" + Worse.String(), "not worse/inconclusive/worse"},
		{Worse.Status().String(), "fail"},
		{NotWorse.Status().String(), "pass"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
