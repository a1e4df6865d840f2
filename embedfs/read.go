package embedfs

import (
	"cmp"
	"fmt"
	"io/fs"
	"slices"
	"unsafe"
)

// ReadMigrations reads the SQL migrations in the top directory of fsys (use
// [fs.Sub] for a subdirectory) and returns them sorted by version. Files not
// ending in .sql, hidden files and subdirectories are skipped.
//
// Every problem found in any file is reported, as an [*Error] when there is
// one and as the [errors.Join] of [*Error] values, sorted by file and line,
// when there are several; no migrations are returned with an error.
func ReadMigrations(fsys fs.FS, opts ...Option) ([]*Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("embedfs: read migrations: %w", err)
	}
	var errs []*Error
	files := make([]migrationFile, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() || !isSQLFile(e.Name()) {
			continue
		}
		f, err := parseFileName(e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	slices.SortFunc(files, func(a, b migrationFile) int {
		return cmp.Or(cmp.Compare(a.version, b.version), cmp.Compare(a.name, b.name),
			cmp.Compare(a.base, b.base), cmp.Compare(a.kind, b.kind))
	})

	r := reader{sum: newSummer(), syntax: readOptions(opts).syntax}
	migrations := make([]*Migration, 0, len(files))
	var prev *migrationFile // the first migration file of the last version seen
	for i := 0; i < len(files); i++ {
		f := &files[i]
		if f.kind == kindDown {
			errs = append(errs, newError(f.file, 0, ErrBadFileName,
				"down file without an up file: add %s.up.sql, or remove the down file", f.base))
			continue
		}
		var down *migrationFile
		if next := i + 1; f.kind == kindUp && next < len(files) && files[next].kind == kindDown && files[next].base == f.base {
			down = &files[next]
			i = next
		}
		if prev != nil && prev.version == f.version {
			errs = append(errs, newError(f.file, 0, ErrDuplicateVersion,
				"duplicate version %d, also used by %s: rename one of them", f.version, prev.file))
		} else {
			prev = f
		}
		j := readJob{up: f, down: down}
		var rerr *Error
		if j.upData, rerr = readFile(fsys, f.file); rerr == nil && down != nil {
			j.downData, rerr = readFile(fsys, down.file)
		}
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		if m := r.migration(&j); m != nil {
			migrations = append(migrations, m)
		}
	}
	if err := joinErrors(append(errs, r.errs...)); err != nil {
		return nil, err
	}
	return migrations, nil
}

// readJob is one migration to parse: a single file, or an up file and its
// down file, with their contents, read beforehand.
type readJob struct {
	up, down         *migrationFile
	upData, downData []byte
}

// reader parses migration files.
type reader struct {
	sum    *summer
	errs   []*Error
	syntax Syntax
}

// migrationAlloc holds a migration and its down section, so both take one
// allocation.
type migrationAlloc struct {
	m    Migration
	down Section
}

// migration parses the migration of j, with its down file if it is a
// pair. It returns nil after adding the problems it finds to r.errs.
func (r *reader) migration(j *readJob) *Migration {
	f, down, data := j.up, j.down, j.upData
	a := &migrationAlloc{}
	m := &a.m
	m.Version, m.Name, m.File = f.version, f.name, f.file

	if f.kind == kindSingle {
		p := newParser(f.file, bytesText(data), modeSingle, r.syntax)
		if !r.ok(p.parse()) {
			return nil
		}
		m.Format = FormatNative
		if p.family == familyGoose {
			m.Format = FormatGoose
		}
		m.NoTransaction = p.noTransaction
		m.Up = Section{File: f.file, Statements: p.stmts[:p.upCount:p.upCount]}
		var downText []byte
		if p.downLine > 0 {
			a.down = Section{File: f.file, Statements: p.stmts[p.upCount:]}
			m.Down = &a.down
			downText = data[p.down:]
		}
		m.Checksum = r.sum.migration(data[p.upStart:p.upEnd], downText, m.Down != nil)
		return m
	}

	// A pair: report the problems of both files.
	m.Format = FormatPair
	up := newParser(f.file, bytesText(data), modePair, r.syntax)
	ok := r.ok(up.parse())
	if ok && len(up.stmts) == 0 {
		ok = r.ok(newError(f.file, 0, ErrEmptyUp, "up file has no statements: add the SQL to run, or remove the file"))
	}
	m.Up = Section{File: f.file, Statements: up.stmts}
	m.NoTransaction = up.noTransaction
	var downData []byte
	if down != nil {
		downData = j.downData
		p := newParser(down.file, bytesText(downData), modePair, r.syntax)
		if !r.ok(p.parse()) {
			return nil
		}
		a.down = Section{File: down.file, Statements: p.stmts}
		m.Down = &a.down
		m.NoTransaction = m.NoTransaction || p.noTransaction
	}
	if !ok {
		return nil
	}
	m.Checksum = r.sum.migration(data, downData, m.Down != nil)
	return m
}

// ok adds err, if any, to r.errs and reports whether there was none.
func (r *reader) ok(err *Error) bool {
	if err != nil {
		r.errs = append(r.errs, err)
		return false
	}
	return true
}

// bytesText returns data as a string without copying it. It is for the
// file contents read returns, which nothing writes to after normalising:
// fs.ReadFile hands the caller a slice of its own, and the statements and
// names cut from the string share its memory, as they would share a copy.
func bytesText(data []byte) string {
	return unsafe.String(unsafe.SliceData(data), len(data))
}

// readFile returns the contents of file with line endings normalised, or
// an error naming the file.
func readFile(fsys fs.FS, file string) ([]byte, *Error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	data = normalize(data)
	if data == nil {
		data = []byte{} // an empty file is not a read error
	}
	return data, nil
}
