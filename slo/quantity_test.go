package slo

import (
	"encoding/json"
	"testing"
	"time"
)

func TestQuantityString(t *testing.T) {
	tests := []struct {
		q    Quantity
		want string
	}{
		{Latency(250 * time.Millisecond).Quantity(), "250ms"},
		{Quantity{Unit: UnitDuration, Value: -0.162}, "-162ms"},
		{Ratio(0.012).Quantity(), "1.2%"},
		{Rate(12.5).Quantity(), "12.5/s"},
		{Quantity{}, "0s"},
		{Quantity{Unit: 9, Value: 1}, "1 Unit(9)"},
	}
	for _, tt := range tests {
		if got := tt.q.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// A duration survives the trip through seconds to the nanosecond.
func TestQuantityLatencyExact(t *testing.T) {
	for _, d := range []time.Duration{1, 999, 250 * time.Millisecond, 412345678, 90 * time.Hour, 24 * 100 * time.Hour} {
		if got := Latency(d).Quantity().latency(); time.Duration(got) != d {
			t.Errorf("%d ns came back as %d ns", int64(d), int64(got))
		}
	}
}

func TestQuantityJSON(t *testing.T) {
	b, err := json.Marshal(Ratio(0.001).Quantity())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"unit":"ratio","value":0.001}` {
		t.Errorf("marshal = %s", b)
	}
	var q Quantity
	if err := json.Unmarshal(b, &q); err != nil || q != Ratio(0.001).Quantity() {
		t.Errorf("round trip = %#v, %v", q, err)
	}
	if err := json.Unmarshal([]byte(`{"unit":"furlong"}`), &q); err == nil {
		t.Error("unknown unit decoded")
	}
}
