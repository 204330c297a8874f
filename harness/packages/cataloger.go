package packages

import (
	"context"
	"errors"
	"io"
)

// cataloger reads the packages of one ecosystem from the files that record
// them.
type cataloger interface {
	// wants reports whether the regular file at path (absolute, cleaned)
	// with the given tar mode is one this cataloger reads.
	wants(path string, mode int64) bool
	// read reads the file as it streams out of its layer. It returns nil
	// when the file turns out to record no packages (an executable that is
	// not a Go program). An error is a failure to read the stream (a
	// corrupt layer); what is wrong with the content is a problem in the
	// record.
	read(ctx context.Context, path string, r io.Reader) (*record, error)
	// maxSize is the largest file at path the cataloger reads, 0 for no
	// limit on the file (the cataloger bounds what it reads itself).
	maxSize(path string) int64
	// ecosystem is the ecosystem of the packages the cataloger reads.
	ecosystem() Ecosystem
}

// catalogers are tried in order; the first that wants a file reads it.
// Executables come last: any file with an execute bit is a candidate.
var catalogers = []cataloger{dpkgCataloger{}, apkCataloger{}, rpmCataloger{}, pythonCataloger{}, npmCataloger{}, goCataloger{}}

func catalogerFor(path string, mode int64) cataloger {
	for _, c := range catalogers {
		if c.wants(path, mode) {
			return c
		}
	}
	return nil
}

// record is what one file says about packages.
type record struct {
	ecosystem Ecosystem
	packages  []Package
	// problems have their File, Line, Ecosystem, Package and Message set;
	// the image and layer are filled in when the file is known to be in
	// the image.
	problems []Problem
	// malformed counts the problems of malformed entries; overflow is set
	// once the file has recorded too many packages.
	malformed int
	overflow  bool
}

// add adds a package, unless the file already recorded maxPackagesPerFile:
// then the file is unreadable, since the packages past the limit are not
// known.
func (r *record) add(p Package) {
	if len(r.packages) >= maxPackagesPerFile {
		if !r.overflow {
			r.overflow = true
			r.unreadable(p.Locations[0], "it records more than %d packages, more than postflight reads of one file", maxPackagesPerFile)
		}
		return
	}
	r.packages = append(r.packages, p)
}

// problem records a malformed entry; past maxProblemsPerFile the file is
// unreadable and the rest are not listed.
func (r *record) problem(file string, line int, pkg, format string, args ...any) {
	if r.problemsFull() {
		return
	}
	if r.malformed++; r.malformed > maxProblemsPerFile {
		r.unreadable(file, "it has more than %d malformed entries: the rest are not listed", maxProblemsPerFile)
		return
	}
	r.problems = append(r.problems, Problem{File: file, Line: line, Ecosystem: r.ecosystem, Package: pkg, Message: sprintf(format, args...)})
}

// problemsFull reports whether the file has more malformed entries than
// are listed: parsers may stop there.
func (r *record) problemsFull() bool { return r.malformed > maxProblemsPerFile }

// tooLarge is the record of a file larger than its cataloger reads.
func tooLarge(c cataloger, path string, size, limit int64) *record {
	r := &record{ecosystem: c.ecosystem()}
	r.unreadable(path, "the file is %d bytes, larger than the %d bytes postflight reads of it", size, limit)
	return r
}

// size is about how many bytes the record keeps, for the budget.
func (r *record) size() int {
	n := 0
	for _, p := range r.packages {
		n += 64 + len(p.Name) + len(p.Version) + len(p.Arch) + len(p.Locations[0])
	}
	for _, p := range r.problems {
		n += 128 + len(p.File) + len(p.Package) + len(p.Message)
	}
	return n
}

// unreadable records that the whole file could not be read.
func (r *record) unreadable(file, format string, args ...any) {
	r.problems = append(r.problems, Problem{File: file, Ecosystem: r.ecosystem, Message: sprintf(format, args...), whole: true})
}

// at returns the record as found at another path (a hard link).
func (r *record) at(path string) *record {
	c := &record{ecosystem: r.ecosystem, problems: make([]Problem, len(r.problems))}
	for _, p := range r.packages {
		p.Locations = []string{path}
		c.packages = append(c.packages, p)
	}
	for i, p := range r.problems {
		p.File = path
		c.problems[i] = p
	}
	return c
}

// streamReader remembers the error of the stream under a parser, so that a
// corrupt layer is told apart from malformed content.
type streamReader struct {
	r   io.Reader
	err error
}

func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && s.err == nil {
		s.err = err
	}
	return n, err
}

// skip skips n bytes of the stream: seeked over when the stream is a file
// (in a layer directory), read and discarded otherwise. Like io.CopyN, it
// returns io.EOF when the stream ends first.
func (s *streamReader) skip(n int64) (int64, error) {
	sk, ok := s.r.(io.Seeker)
	if !ok {
		return io.CopyN(io.Discard, s, n)
	}
	at, err := sk.Seek(0, io.SeekCurrent)
	if err == nil {
		var end int64
		if end, err = sk.Seek(0, io.SeekEnd); err == nil {
			to := min(at+n, end)
			if _, err = sk.Seek(to, io.SeekStart); err == nil {
				if to < at+n {
					return to - at, io.EOF
				}
				return n, nil
			}
		}
	}
	if s.err == nil {
		s.err = err
	}
	return 0, err
}
