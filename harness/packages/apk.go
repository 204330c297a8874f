package packages

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// apkCataloger reads Alpine's package database, lib/apk/db/installed (under
// /usr too since apk-tools 3 on /usr-merged systems).
type apkCataloger struct{}

func (apkCataloger) wants(p string, _ int64) bool {
	return p == "/lib/apk/db/installed" || p == "/usr/lib/apk/db/installed"
}

func (apkCataloger) ecosystem() Ecosystem { return APK }

func (apkCataloger) maxSize(string) int64 { return maxDatabaseSize }

// read parses the database: one paragraph per package, "K:value" lines
// (P: name, V: version, A: architecture), paragraphs separated by a blank
// line.
func (apkCataloger) read(_ context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: APK}
	sr := &streamReader{r: r}
	sc := bufio.NewScanner(sr)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	type entry struct {
		line          int
		name, version string
		arch          string
		bad           string
		badAt         int
	}
	var cur *entry
	flush := func() {
		if cur == nil {
			return
		}
		switch {
		case cur.bad != "":
			rec.problem(p, cur.badAt, cur.name, "%s", cur.bad)
		case cur.name == "":
			rec.problem(p, cur.line, "", "entry has no P: (package name) line")
		case cur.version == "":
			rec.problem(p, cur.line, cur.name, "entry has no V: (version) line")
		default:
			rec.add(Package{Ecosystem: APK, Name: cur.name, Version: cur.version, Arch: cur.arch, Locations: []string{p}})
		}
		cur = nil
	}
	lineNo := 0
	for !rec.problemsFull() && !rec.overflow && sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if cur == nil {
			cur = &entry{line: lineNo}
		}
		if len(line) < 2 || line[1] != ':' {
			if cur.bad == "" {
				cur.bad, cur.badAt = fmt.Sprintf("line %q is not a \"K:value\" line", truncate(line, 60)), lineNo
			}
			continue
		}
		switch line[0] {
		case 'P':
			cur.name = line[2:]
		case 'V':
			cur.version = line[2:]
		case 'A':
			cur.arch = line[2:]
		}
	}
	if sr.err != nil {
		return nil, sr.err
	}
	if err := sc.Err(); err != nil {
		rec.unreadable(p, "read apk database: line %d: %v", lineNo+1, err)
		return rec, nil
	}
	flush()
	return rec, nil
}
