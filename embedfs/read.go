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

	downs := 0
	for i := range files {
		if files[i].kind == kindDown {
			downs++
		}
	}
	r := reader{fsys: fsys, sum: newSummer(), arena: newArena(len(files) - downs), errs: errs, syntax: readOptions(opts).syntax}
	migrations := make([]*Migration, 0, len(files))
	var prev *migrationFile // the first migration file of the last version seen
	for i := 0; i < len(files); i++ {
		f := &files[i]
		if f.kind == kindDown {
			r.errs = append(r.errs, newError(f.file, 0, ErrBadFileName,
				"down file without an up file: add %s.up.sql, or remove the down file", f.base))
			continue
		}
		var down *migrationFile
		if next := i + 1; f.kind == kindUp && next < len(files) && files[next].kind == kindDown && files[next].base == f.base {
			down = &files[next]
			i = next
		}
		if prev != nil && prev.version == f.version {
			r.errs = append(r.errs, newError(f.file, 0, ErrDuplicateVersion,
				"duplicate version %d, also used by %s: rename one of them", f.version, prev.file))
		} else {
			prev = f
		}
		if m := r.migration(f, down); m != nil {
			migrations = append(migrations, m)
		}
	}
	if err := joinErrors(r.errs); err != nil {
		return nil, err
	}
	return migrations, nil
}

// reader reads migration files from one file system.
type reader struct {
	fsys   fs.FS
	sum    *summer
	arena  *arena // nil outside ReadMigrations
	errs   []*Error
	syntax Syntax
}

// migrationAlloc holds a migration and its down section, so both take one
// allocation.
type migrationAlloc struct {
	m    Migration
	down Section
}

// migration reads the migration in f, with its down file if it is a pair. It
// returns nil after adding the problems it finds to r.errs.
func (r *reader) migration(f, down *migrationFile) *Migration {
	data := r.read(f.file)
	if data == nil {
		return nil
	}
	a := r.arena.migration()
	m := &a.m
	m.Version, m.Name, m.File = f.version, f.name, f.file

	if f.kind == kindSingle {
		text := bytesText(data)
		p := newParser(f.file, text, modeSingle, r.syntax, r.arena.statementsFor(text))
		if !r.ok(p.parse()) {
			return nil
		}
		r.arena.keep(p.stmts)
		m.Format = FormatNative
		if p.family == familyGoose {
			m.Format = FormatGoose
		}
		m.NoTransaction = p.noTransaction
		m.Up = Section{File: f.file, Statements: p.stmts[:p.upCount:p.upCount]}
		if p.downLine > 0 {
			a.down = Section{File: f.file, Statements: p.stmts[p.upCount:len(p.stmts):len(p.stmts)]}
			m.Down = &a.down
		}
		r.checksum(m, data, p.upStart, p.upEnd, p.noTxLines, data, p.down, len(data), p.noTxLines)
		return m
	}

	// A pair: report the problems of both files.
	m.Format = FormatPair
	text := bytesText(data)
	up := newParser(f.file, text, modePair, r.syntax, r.arena.statementsFor(text))
	ok := r.ok(up.parse())
	if ok && len(up.stmts) == 0 {
		ok = r.ok(newError(f.file, 0, ErrEmptyUp, "up file has no statements: add the SQL to run, or remove the file"))
	}
	r.arena.keep(up.stmts)
	m.Up = Section{File: f.file, Statements: up.stmts[:len(up.stmts):len(up.stmts)]}
	m.NoTransaction = up.noTransaction
	var (
		downData []byte
		p        parser
	)
	if down != nil {
		if downData = r.read(down.file); downData == nil {
			return nil
		}
		text := bytesText(downData)
		p = newParser(down.file, text, modePair, r.syntax, r.arena.statementsFor(text))
		if !r.ok(p.parse()) {
			return nil
		}
		r.arena.keep(p.stmts)
		a.down = Section{File: down.file, Statements: p.stmts[:len(p.stmts):len(p.stmts)]}
		m.Down = &a.down
		m.NoTransaction = m.NoTransaction || p.noTransaction
	}
	if !ok {
		return nil
	}
	r.checksum(m, data, 0, len(data), up.noTxLines, downData, 0, len(downData), p.noTxLines)
	return m
}

// checksum sets m.Checksum from the up text upData[upLo:upHi] and the
// down text downData[downLo:downHi] (none when m.Down is nil), leaving
// out the no-transaction annotation lines among them, whose offsets are
// in upLines and downLines. Where it left one out, m.PriorChecksum is the
// checksum with it, as hoist computed it before.
func (r *reader) checksum(m *Migration, upData []byte, upLo, upHi int, upLines []int,
	downData []byte, downLo, downHi int, downLines []int) {
	up, upCut := withoutLines(upData, upLo, upHi, upLines)
	var (
		down    []byte
		downCut bool
	)
	if m.Down != nil {
		down, downCut = withoutLines(downData, downLo, downHi, downLines)
	}
	sum := r.sum.migration(up, down, m.Down != nil)
	m.Checksum = r.arena.hexString(&sum)
	if upCut || downCut {
		var fullDown []byte
		if m.Down != nil {
			fullDown = downData[downLo:downHi]
		}
		prior := r.sum.migration(upData[upLo:upHi], fullDown, m.Down != nil)
		m.PriorChecksum = r.arena.hexString(&prior)
	}
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

// read returns the contents of file with line endings normalised, or nil
// after adding the error to r.errs.
func (r *reader) read(file string) []byte {
	data, err := fs.ReadFile(r.fsys, file)
	if err != nil {
		r.errs = append(r.errs, &Error{File: file, Err: err})
		return nil
	}
	data = normalize(data)
	if data == nil {
		data = []byte{} // an empty file is not a read error
	}
	return data
}
