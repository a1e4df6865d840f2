package embedfs

import (
	"cmp"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sync"
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

	jobs := make([]readJob, 0, len(files))
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
		if j.upData, err = readFile(fsys, f.file); err == nil && down != nil {
			j.downData, err = readFile(fsys, down.file)
		}
		if err != nil {
			errs = append(errs, err.(*Error))
			continue
		}
		jobs = append(jobs, j)
	}

	migrations, readErrs := parseAll(readOptions(opts).syntax, jobs)
	if err := joinErrors(append(errs, readErrs...)); err != nil {
		return nil, err
	}
	return migrations, nil
}

// readJob is one migration to parse: a single file, or an up file and its
// down file, with their contents.
type readJob struct {
	up, down         *migrationFile
	upData, downData []byte
}

// parallelFiles is how many migrations make it worth parsing them on
// several goroutines: each takes a microsecond or two, so below this the
// goroutines cost more than they save.
const parallelFiles = 256

// parseAll parses the migrations of jobs, in order. The files were read
// on the caller's goroutine, so the file system is never used
// concurrently; parsing is independent from file to file, so a large set
// is split among up to GOMAXPROCS goroutines, each with its own parser
// state. Errors are sorted by the caller, so they do not depend on which
// goroutine found them.
func parseAll(syntax Syntax, jobs []readJob) ([]*Migration, []*Error) {
	out := make([]*Migration, len(jobs))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(jobs)/(parallelFiles/2)))
	readers := make([]reader, workers)
	var wg sync.WaitGroup
	for w := range readers {
		r := &readers[w]
		*r = reader{sum: newSummer(), syntax: syntax}
		lo, hi := w*len(jobs)/workers, (w+1)*len(jobs)/workers
		if workers == 1 {
			r.parse(jobs, out, lo, hi)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.parse(jobs, out, lo, hi)
		}()
	}
	wg.Wait()
	var errs []*Error
	for _, r := range readers {
		errs = append(errs, r.errs...)
	}
	return compact(out), errs
}

// parse parses jobs[lo:hi] into out[lo:hi].
func (r *reader) parse(jobs []readJob, out []*Migration, lo, hi int) {
	for i := lo; i < hi; i++ {
		out[i] = r.migration(&jobs[i])
	}
}

// compact drops the nil entries of migrations that failed to read.
func compact(ms []*Migration) []*Migration {
	return slices.DeleteFunc(ms, func(m *Migration) bool { return m == nil })
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
// an [*Error] naming the file.
func readFile(fsys fs.FS, file string) ([]byte, error) {
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
