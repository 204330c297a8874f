package ginkgosuite

import (
	"strings"
	"testing"
)

func TestTailKeepsTheLastBytesAndSaysHowManyWentBefore(t *testing.T) {
	tl := newTail(8)
	for _, s := range []string{"abc", "defgh", "ij", strings.Repeat("x", 20) + "0123456"} {
		if n, err := tl.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got, want := tl.String(), "(29 earlier bytes not kept)\nx0123456"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	small := newTail(8)
	small.Write([]byte("abc"))
	if got := small.String(); got != "abc" {
		t.Fatalf("String() = %q, want abc", got)
	}
}
