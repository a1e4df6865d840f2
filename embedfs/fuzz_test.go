package embedfs_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/embedfs"
)

// Seed inputs live in testdata/fuzz/FuzzSplit and
// testdata/fuzz/FuzzReadMigrations.

func FuzzSplit(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string, mysql bool) {
		var opts []embedfs.Option
		if mysql {
			opts = append(opts, embedfs.WithSyntax(embedfs.Syntax{BackslashEscapes: true, HashComments: true}))
		}
		got, err := embedfs.Split("q.sql", text, opts...)
		norm := normalized(text)
		lines := strings.Count(norm, "\n") + 1
		if err != nil {
			checkFuzzError(t, err, map[string]int{"q.sql": lines})
			return
		}
		checkStatements(t, "q.sql", norm, got)
		if hasAnnotationLike(norm) {
			return
		}
		// Without annotations every statement is plain SQL, which splits
		// into itself.
		for _, s := range got {
			if strings.HasPrefix(s.SQL, "\uFEFF") {
				continue
			}
			again, err := embedfs.Split("again.sql", s.SQL, opts...)
			if err != nil {
				t.Fatalf("Split(%q) of statement %q: %v", text, s.SQL, err)
			}
			if want := []embedfs.Statement{{SQL: s.SQL, Line: 1}}; !reflect.DeepEqual(again, want) {
				t.Fatalf("Split(%q): statement %q splits again into %q", text, s.SQL, again)
			}
		}
	})
}

func FuzzReadMigrations(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, layout uint8) {
		files := map[string]string{}
		switch layout % 3 {
		case 0:
			files["0001_fuzz.sql"] = string(data)
		case 1:
			files["0001_fuzz.up.sql"] = string(data)
		case 2:
			files["0001_fuzz.up.sql"] = string(data)
			files["0001_fuzz.down.sql"] = string(data)
		}
		lines := map[string]int{}
		for name, text := range files {
			lines[name] = strings.Count(normalized(text), "\n") + 1
		}
		got, err := embedfs.ReadMigrations(mapFS(files))
		if err != nil {
			checkFuzzError(t, err, lines)
			return
		}
		if len(got) != 1 {
			t.Fatalf("read %d migrations, want 1", len(got))
		}
		m := got[0]
		if m.Version != 1 || m.Name != "fuzz" || len(m.Checksum) != 64 || len(m.Up.Statements) == 0 {
			t.Fatalf("bad migration %+v", m)
		}
		norm := normalized(string(data))
		checkStatements(t, m.Up.File, norm, m.Up.Statements)
		if m.Down != nil {
			checkStatements(t, m.Down.File, norm, m.Down.Statements)
		}
		if layout%3 != 0 {
			// A pair file splits as Split splits it, when Split takes it.
			if want, err := embedfs.Split(m.Up.File, string(data)); err == nil && !reflect.DeepEqual(m.Up.Statements, want) {
				t.Fatalf("up statements %q, Split gives %q", m.Up.Statements, want)
			}
		} else if m.Down != nil && len(m.Down.Statements) > 0 && m.Up.Statements[len(m.Up.Statements)-1].Line >= m.Down.Statements[0].Line {
			t.Fatalf("up statement %q not before the first down statement %q", m.Up.Statements, m.Down.Statements)
		}
		// Line endings do not change the result.
		if strings.IndexByte(string(data), '\r') < 0 {
			crlf := mapFS(files)
			for name, file := range crlf {
				file.Data = []byte(strings.ReplaceAll(string(file.Data), "\n", "\r\n"))
				crlf[name] = file
			}
			again, err := embedfs.ReadMigrations(crlf)
			if err != nil {
				t.Fatalf("with CRLF line endings: %v", err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("with CRLF line endings:\n got %+v\nwant %+v", again[0], got[0])
			}
		}
	})
}

// normalized returns text with line endings as the package normalises them.
func normalized(text string) string {
	text = strings.TrimPrefix(text, "\uFEFF")
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
}

// checkStatements checks the statements split from norm: lines in range and
// not decreasing, SQL non-empty, trimmed, without a final semicolon, and
// found in norm in order.
func checkStatements(t *testing.T, file, norm string, got []embedfs.Statement) {
	t.Helper()
	lines := strings.Count(norm, "\n") + 1
	pos, prevLine := 0, 1
	for _, s := range got {
		if s.Line < prevLine || s.Line > lines {
			t.Fatalf("%s: statement %q on line %d, want %d to %d", file, s.SQL, s.Line, prevLine, lines)
		}
		prevLine = s.Line
		if s.SQL == "" || isASCIISpace(s.SQL[0]) || isASCIISpace(s.SQL[len(s.SQL)-1]) || strings.HasSuffix(s.SQL, ";") {
			t.Fatalf("%s: statement %q is not trimmed", file, s.SQL)
		}
		i := strings.Index(norm[pos:], s.SQL)
		if i < 0 {
			t.Fatalf("%s: statement %q is not in the text after offset %d", file, s.SQL, pos)
		}
		pos += i
	}
}

// checkFuzzError checks that err is made of *embedfs.Error values for known
// files, with lines in range, each wrapping a sentinel (or, for an I/O
// error, none).
func checkFuzzError(t *testing.T, err error, lines map[string]int) {
	t.Helper()
	elems := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		elems = j.Unwrap()
	}
	for _, e := range elems {
		var fe *embedfs.Error
		if !errors.As(e, &fe) || fe != e {
			t.Fatalf("error %q is a %T, want *embedfs.Error", e, e)
		}
		n, ok := lines[fe.File]
		if !ok || fe.Line < 0 || fe.Line > n {
			t.Fatalf("error %q: file %q line %d out of range", e, fe.File, fe.Line)
		}
		known := false
		for _, s := range []error{embedfs.ErrDuplicateVersion, embedfs.ErrBadFileName, embedfs.ErrEmptyUp, embedfs.ErrUnterminated, embedfs.ErrAnnotation} {
			known = known || errors.Is(e, s)
		}
		if !known {
			t.Fatalf("error %q wraps no sentinel", e)
		}
	}
}

// hasAnnotationLike reports whether a line of norm could be an annotation:
// "--", blanks, "+".
func hasAnnotationLike(norm string) bool {
	for line := range strings.SplitSeq(norm, "\n") {
		line = strings.TrimLeft(line, " \t\f\v")
		if rest, ok := strings.CutPrefix(line, "--"); ok && strings.HasPrefix(strings.TrimLeft(rest, " \t\f\v"), "+") {
			return true
		}
	}
	return false
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
