package safetext

import (
	"strings"
	"testing"
)

func TestURLDropsCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://hooks.example/rb?token=s3cret", "https://hooks.example/rb?token=REDACTED"},
		{"https://u:pw@hooks.example/rb?a=1&token=s3cret#frag", "https://REDACTED@hooks.example/rb?a=REDACTED&token=REDACTED"},
		{"http://127.0.0.1:9/rb", "http://127.0.0.1:9/rb"},
		{"http://127.0.0.1:9/kv/{token}", "http://127.0.0.1:9/kv/{token}"},
		{"http://u@127.0.0.1:9/kv/{token}?k=v", "http://REDACTED@127.0.0.1:9/kv/{token}?k=REDACTED"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextIsSafeForAConsoleAndAReport(t *testing.T) {
	tests := []struct {
		name, in  string
		max       int
		want      string
		forbidden []string
	}{
		{"url in a transport error", `Post "http://127.0.0.1:1/rb?token=s3cret": dial tcp 127.0.0.1:1: connect: connection refused`, 0,
			`Post "http://127.0.0.1:1/rb?token=REDACTED": dial tcp 127.0.0.1:1: connect: connection refused`, []string{"s3cret"}},
		{"ansi escapes and NUL", "ok\x1b[2J\x1b]0;pwned\x07\x00done\r\n", 0, `ok\x1b[2J\x1b]0;pwned\a\x00done\r` + "\n", []string{"\x1b", "\x00", "\r"}},
		{"echoed authorization header", "Authorization: Bearer s3cret\nHost: x", 0, "Authorization: REDACTED\nHost: x", []string{"s3cret"}},
		{"echoed headers as JSON", `{"Cookie":["session=s3cret"],"X-Api-Key":["k3y"]}`, 0, `{"Cookie":["REDACTED"],"X-Api-Key":["REDACTED"]}`, []string{"s3cret", "k3y"}},
		{"invalid utf-8", "a\xffb", 0, `a\xffb`, nil},
		{"bidi override", "a\u202eb", 0, `a\u202eb`, nil},
		{"bounded", strings.Repeat("x", 100), 10, "xxxxxxxxxx… (90 more bytes not shown)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("Text(%q) = %q still holds %q", tt.in, got, f)
				}
			}
		})
	}
}
