package packages

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// stanza is one paragraph of a deb822-style file (dpkg's status, Python's
// METADATA and PKG-INFO headers): "Field: value" lines, continuation lines
// starting with a space or a tab.
type stanza struct {
	line   int               // the line it starts on
	fields map[string]string // lower-cased field name: first line of the value
	bad    string            // why the stanza is malformed, if it is
	badAt  int
}

func (s *stanza) get(field string) string { return s.fields[strings.ToLower(field)] }

// maxLine bounds one line of a metadata file.
const maxLine = 4 << 20

// readStanzas calls fn for every stanza of r until fn returns false; it
// stops after the first when headersOnly is set (the body of a METADATA
// file is not headers). The error is the reader's.
func readStanzas(r io.Reader, headersOnly bool, fn func(*stanza) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var cur *stanza
	lineNo := 0
	flush := func() (stop bool) {
		if cur != nil {
			more := fn(cur)
			cur = nil
			return headersOnly || !more
		}
		return false
	}
	var last string // the field continuation lines belong to
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if flush() {
				return nil
			}
			continue
		}
		if cur == nil {
			cur = &stanza{line: lineNo, fields: map[string]string{}}
			last = ""
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" && cur.bad == "" {
				cur.bad, cur.badAt = "continuation line before any field", lineNo
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			if cur.bad == "" {
				cur.bad, cur.badAt = fmt.Sprintf("line %q is not a \"Field: value\" line", truncate(line, 60)), lineNo
			}
			last = ""
			continue
		}
		last = strings.ToLower(name)
		if _, dup := cur.fields[last]; !dup {
			if len(cur.fields) >= maxFields {
				if cur.bad == "" {
					cur.bad, cur.badAt = fmt.Sprintf("the entry has more than %d fields", maxFields), lineNo
				}
				continue
			}
			cur.fields[last] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return fmt.Errorf("line %d is longer than %d bytes", lineNo+1, maxLine)
		}
		return err
	}
	flush()
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
