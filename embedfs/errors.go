package embedfs

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Sentinel errors, tested with errors.Is on an error returned by
// [ReadMigrations], [ReadSeeds] or [Split]. Each is wrapped in an [*Error]
// that names the file and line.
var (
	// ErrDuplicateVersion reports two migrations with the same version.
	ErrDuplicateVersion = errors.New("duplicate version")
	// ErrBadFileName reports a .sql file whose name does not parse as
	// <version>_<name>.sql, or a .down.sql file without its .up.sql.
	ErrBadFileName = errors.New("bad file name")
	// ErrEmptyUp reports a migration whose up section is missing or holds
	// no statements, or a seed that holds no statements.
	ErrEmptyUp = errors.New("empty up section")
	// ErrUnterminated reports a statement-begin without statement-end, or a
	// quoted string, quoted identifier, dollar-quoted string or block
	// comment still open at the end of its section.
	ErrUnterminated = errors.New("unterminated")
	// ErrAnnotation reports an unknown, misplaced or unsupported annotation
	// (a -- +hoist or -- +goose line), or SQL outside any section.
	ErrAnnotation = errors.New("bad annotation")
)

// Error is a problem in one migration or seed file.
type Error struct {
	// File is the file name relative to the file system given to the
	// reader.
	File string
	// Line is the 1-based line the problem is on, or 0 when it concerns the
	// whole file.
	Line int
	// Err describes the problem and wraps one of the sentinel errors.
	Err error
}

// Error returns "file:line: message", or "file: message" when Line is 0.
func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	}
	return e.File + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// problem is an error message that wraps a sentinel without repeating the
// sentinel's text, so messages read as one sentence.
type problem struct {
	msg  string
	kind error
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

// newError returns an *Error for file and line wrapping kind, with a message
// formatted from format and args.
func newError(file string, line int, kind error, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Err: &problem{msg: fmt.Sprintf(format, args...), kind: kind}}
}

// joinErrors returns nil for no errors, the *Error itself for one, and
// otherwise all of them joined, sorted by file and line so a user can fix them
// in one pass.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}
