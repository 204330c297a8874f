package plan

import (
	"bytes"
	"fmt"
	"regexp"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The YAML parsers are not made for hostile input: yaml.v3 reports some
// mistakes without a position and stops nesting only at 10000 levels, and
// the parser that places syntax errors better takes gigabytes on a few
// kilobytes of brackets. So a plan's bytes are scanned first, in one pass:
// text that is not YAML's and nesting past MaxNesting are refused with
// their line and column before either parser sees them.

// scanText finds the first byte that YAML does not allow in a plan: one
// that is not UTF-8, or a control character other than tab, line feed and
// carriage return.
func scanText(data []byte) (position, string, bool) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return position{line, col}, fmt.Sprintf("the plan is not valid UTF-8: byte 0x%02x", data[i]), false
		case !yamlPrintable(r):
			return position{line, col}, fmt.Sprintf("control character %U is not allowed in a plan", r), false
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return position{}, "", true
}

// yamlPrintable reports whether YAML allows r in a stream (YAML 1.2, 5.1).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// nestingScanner estimates how deep a YAML text nests, without parsing it:
// flow brackets outside quotes and comments, block levels by indentation,
// and compact "- " and "? " entries. It may count a level too many on odd
// but valid text (a plain scalar continued at a deeper indentation); it
// never counts fewer levels than a parser would build.
type nestingScanner struct {
	limit  int
	line   int
	flow   int
	quote  byte  // the quote of an open quoted scalar, or 0
	blocks []int // columns of the open block collections
	// literal is the indentation a block scalar's lines are deeper than,
	// or -1 outside one.
	literal int
}

// scanNesting returns where data first nests deeper than limit.
func scanNesting(data []byte, limit int) (position, bool) {
	s := &nestingScanner{limit: limit, literal: -1}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		s.line++
		if p, deep := s.scanLine(bytes.TrimSuffix(line, []byte("\r"))); deep {
			return p, true
		}
	}
	return position{}, false
}

func (s *nestingScanner) scanLine(line []byte) (position, bool) {
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	rest := line[indent:]
	if s.literal >= 0 {
		if len(bytes.TrimSpace(rest)) == 0 || indent > s.literal {
			return position{}, false
		}
		s.literal = -1
	}
	i := indent
	if s.quote == 0 && s.flow == 0 {
		if len(rest) == 0 || rest[0] == '#' {
			return position{}, false
		}
		for len(s.blocks) > 0 && s.blocks[len(s.blocks)-1] > indent {
			s.blocks = s.blocks[:len(s.blocks)-1]
		}
		if len(s.blocks) == 0 || s.blocks[len(s.blocks)-1] < indent {
			s.blocks = append(s.blocks, indent)
		}
		// Compact entries open a level each: "- - x", "- key: v", "? x".
		for i+1 < len(line) && (line[i] == '-' || line[i] == '?') && line[i+1] == ' ' {
			i += 2
			for i < len(line) && line[i] == ' ' {
				i++
			}
			s.blocks = append(s.blocks, i)
			if len(s.blocks) > s.limit {
				return s.at(line, i), true
			}
		}
		if len(s.blocks) > s.limit {
			return s.at(line, indent), true
		}
	}
	lastToken := i
	for ; i < len(line); i++ {
		c := line[i]
		switch s.quote {
		case '"':
			if c == '\\' {
				i++
			} else if c == '"' {
				s.quote = 0
			}
			continue
		case '\'':
			if c == '\'' && i+1 < len(line) && line[i+1] == '\'' {
				i++
			} else if c == '\'' {
				s.quote = 0
			}
			continue
		}
		atToken := i == 0 || tokenStart(line[i-1])
		switch {
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			i = len(line)
		case (c == '"' || c == '\'') && atToken:
			s.quote = c
		case c == '[' || c == '{':
			s.flow++
			if len(s.blocks)+s.flow > s.limit {
				return s.at(line, i), true
			}
		case (c == ']' || c == '}') && s.flow > 0:
			s.flow--
		}
		if c != ' ' && c != '\t' && i < len(line) {
			lastToken = i
		}
	}
	if s.quote == 0 && s.flow == 0 && lastToken < len(line) && blockScalarIndicator.Match(line[indent:lastToken+1]) {
		s.literal = indent
	}
	return position{}, false
}

// tokenStart reports whether a quote after c opens a quoted scalar rather
// than sitting inside a plain one ("it's").
func tokenStart(c byte) bool {
	switch c {
	case ' ', '\t', '[', '{', ',', ':':
		return true
	}
	return false
}

// blockScalarIndicator matches a line that starts a literal or folded
// scalar: "key: |", "- >-", "key: |2", but not a plain scalar that ends
// in one ("a: x |").
var blockScalarIndicator = regexp.MustCompile(`(^|: |- |\? )[|>][-+0-9]*$`)

// at is the position of byte i of line, counting columns in characters.
func (s *nestingScanner) at(line []byte, i int) position {
	return position{s.line, utf8.RuneCount(line[:i]) + 1}
}

// bracketDepth is the deepest data nests flow brackets, quotes and
// comments not considered.
func bracketDepth(data []byte) int {
	depth, deepest := 0, 0
	for _, c := range data {
		switch c {
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return deepest
}

// nodeDepth returns a node of n's tree deeper than limit, aliases not
// followed (they point to nodes the walk meets where they are defined).
func nodeDepth(n *yaml.Node, depth, limit int) (*yaml.Node, bool) {
	if depth > limit {
		return n, true
	}
	for _, c := range n.Content {
		if deep, ok := nodeDepth(c, depth+1, limit); ok {
			return deep, true
		}
	}
	return nil, false
}

// anchorUse finds where the alias *name is used first, for a parser error
// that names the anchor but not the place.
func anchorUse(data []byte, name string) (position, bool) {
	re, err := regexp.Compile(`\*` + regexp.QuoteMeta(name) + `([\s,\]}]|$)`)
	if err != nil {
		return position{}, false
	}
	loc := re.FindIndex(data)
	if loc == nil {
		return position{}, false
	}
	before := data[:loc[0]]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return position{line, utf8.RuneCount(before[start:]) + 1}, true
}
