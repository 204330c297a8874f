// Package safetext makes text that came from outside — a response body, a
// command's output, an error that quotes a URL — safe to print on a console
// and to write to a report or a journal: no credential, no terminal control,
// and a bounded length.
package safetext

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret.
const Redacted = "REDACTED"

// MaxLen is the length Text bounds to when given no bound.
const MaxLen = 4 << 10

// URL returns raw with what a URL may carry as a credential replaced: the
// userinfo (user and password) and the value of every query parameter, so
// "https://u:p@host/x?token=abc&v=1" becomes
// "https://REDACTED@host/x?token=REDACTED&v=REDACTED". The fragment goes.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	if u.User == nil && u.RawQuery == "" && !strings.Contains(raw, "#") {
		return raw // as written: "/kv/{token}" stays readable
	}
	rest, _, _ := strings.Cut(raw, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	if scheme, after, ok := strings.Cut(rest, "://"); ok && u.User != nil {
		authority, path := after, ""
		if i := strings.IndexByte(after, '/'); i >= 0 {
			authority, path = after[:i], after[i:]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = Redacted + authority[at:]
		}
		rest = scheme + "://" + authority + path
	}
	if !hasQuery {
		return rest
	}
	var parts []string
	for _, kv := range strings.Split(query, "&") {
		if k, _, _ := strings.Cut(kv, "="); k != "" {
			parts = append(parts, k+"="+Redacted)
		}
	}
	return rest + "?" + strings.Join(parts, "&")
}

var (
	urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>\x60]+`)
	// secretField is a header or field that carries a credential, as
	// "Authorization: Bearer x", `"Cookie": ["a=b"]` or "api_key=x", up to
	// the end of its line, quote or bracket.
	secretField = regexp.MustCompile(`(?i)((?:proxy-)?authorization|(?:set-)?cookie|x-api-key|api[-_]?key|x-auth-token|access[-_]?token|token|secret|password|passwd)("?\s*[:=]\s*\[?\s*"?)([^\r\n"\]]+)`)
)

// Redact replaces the credentials in s: those in URLs (see URL) and the
// values of fields and headers that carry one (Authorization, Cookie,
// tokens, keys, passwords), as a receiver that echoes a request would
// show them.
func Redact(s string) string {
	s = urlPattern.ReplaceAllStringFunc(s, URL)
	return secretField.ReplaceAllString(s, "${1}${2}"+Redacted)
}

// Text returns s made safe for a console or a report: credentials redacted
// (see Redact); control characters — ANSI escapes, NUL, carriage returns,
// anything but newline and tab — and invalid UTF-8 written as Go escapes
// (\x1b, \x00, \r); and cut to at most max bytes (MaxLen when max <= 0),
// saying how much was left out.
func Text(s string, max int) string {
	if max <= 0 {
		max = MaxLen
	}
	s = Redact(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + fmt.Sprintf("… (%d more bytes not shown)", len(out)-cut)
}
