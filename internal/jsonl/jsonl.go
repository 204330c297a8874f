// Package jsonl reads and appends files of JSON lines, as postflight's
// journals are: every line written whole and fsynced, and a torn last line
// (a write a crash interrupted) left out when the file is read.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// MaxLine is the longest line Read accepts.
const MaxLine = 64 << 20

// Read reads the complete lines of the file at path as values of T, and
// the length of the file they take: a last line without its newline is
// torn and left out. A file that cannot be read returns its *fs.PathError;
// a line that is no T says which line.
func Read[T any](path string) ([]T, int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	var out []T
	var good int64
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	for sc.Scan() {
		line := sc.Bytes()
		end := good + int64(len(line)) + 1
		if end > int64(len(b)) { // no newline: torn
			break
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", len(out)+1, err)
		}
		out = append(out, v)
		good = end
	}
	return out, good, nil
}

// Append writes v as one line at f's offset and fsyncs f before returning.
func Append(f *os.File, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	return nil
}

// OpenAppend opens the file at path for appending at good, the length
// Read returned, cutting off a torn last line after it. flag adds to
// os.O_WRONLY (os.O_CREATE for a file that may not exist yet).
func OpenAppend(path string, good int64, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair journal %s: %w", path, err)
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair journal %s: %w", path, err)
	}
	return f, nil
}
