package load

import (
	"net/url"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestTargeterInterleavesByWeight(t *testing.T) {
	for _, tc := range []struct {
		weights []int
		want    string
	}{
		{[]int{3, 1}, "aaba aaba"},
		{[]int{1, 1}, "abab abab"},
		{[]int{0, 2}, "bab bab"}, // zero counts as 1
		{[]int{5, 1, 1}, "aabacaa aabacaa"},
	} {
		var ts []Target
		for i, w := range tc.weights {
			ts = append(ts, Target{URL: "http://127.0.0.1/" + string(rune('a'+i)), Weight: w})
		}
		tr := newTargeter(ts, nil)
		var got strings.Builder
		for _, group := range strings.Fields(tc.want) {
			if got.Len() > 0 {
				got.WriteByte(' ')
			}
			for range group {
				var tgt vegeta.Target
				if err := tr.next(&tgt); err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(tgt.URL)
				if err != nil {
					t.Fatal(err)
				}
				got.WriteString(u.Path[len(u.Path)-1:])
			}
		}
		if got.String() != tc.want {
			t.Errorf("weights %v: got %q, want %q", tc.weights, got.String(), tc.want)
		}
		if n := int(tr.sent.Load()); n != len(strings.ReplaceAll(tc.want, " ", "")) {
			t.Errorf("weights %v: sent = %d", tc.weights, n)
		}
	}
}
