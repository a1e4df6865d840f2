package main

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"
)

// format is a migration file layout.
type format int

const (
	formatHoist format = iota // one file, -- +hoist up / -- +hoist down
	formatGoose               // one file, -- +goose Up / -- +goose Down
	formatPairs               // golang-migrate's .up.sql / .down.sql pairs
	numFormats
)

func upSQL(v int) string {
	return fmt.Sprintf("CREATE TABLE t_%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)", v)
}

func downSQL(v int) string { return fmt.Sprintf("DROP TABLE t_%d", v) }

// generate lays out n migrations, versions 1 to n, in format f.
func generate(f format, n int) *memFS {
	files := make(map[string]string, 2*n)
	for v := 1; v <= n; v++ {
		base := fmt.Sprintf("%05d_create_t_%d", v, v)
		up, down := upSQL(v)+";\n", downSQL(v)+";\n"
		switch f {
		case formatHoist:
			files[base+".sql"] = "-- +hoist up\n" + up + "-- +hoist down\n" + down
		case formatGoose:
			files[base+".sql"] = "-- +goose Up\n" + up + "-- +goose Down\n" + down
		case formatPairs:
			files[base+".up.sql"] = up
			files[base+".down.sql"] = down
		}
	}
	return newMemFS(files)
}

// generateFiles lays out exactly files files in format f (pairs: files/2
// migrations), for the parsing benchmark.
func generateFiles(f format, files int) *memFS {
	if f == formatPairs {
		return generate(f, files/2)
	}
	return generate(f, files)
}

var fsCache = struct {
	sync.Mutex
	m map[[2]int]*memFS
}{m: map[[2]int]*memFS{}}

// migrationsFS returns the n generated migrations in format f, the same
// value each time: like an embed.FS, it is built before the clock starts.
func migrationsFS(f format, n int) *memFS {
	fsCache.Lock()
	defer fsCache.Unlock()
	key := [2]int{int(f), n}
	if m, ok := fsCache.m[key]; ok {
		return m
	}
	m := generate(f, n)
	fsCache.m[key] = m
	return m
}

// memFS is a read-only, flat, in-memory file system that behaves like an
// embed.FS: the names are sorted once, Open is a binary search, ReadDir
// returns the prepared list and ReadFile copies the contents.
// (fstest.MapFS rebuilds and sorts its directory listing on every ReadDir,
// which would add several milliseconds per call at 10,000 files.)
type memFS struct {
	files   []memFile // sorted by name
	entries []fs.DirEntry
}

type memFile struct {
	name string
	data string
}

var (
	_ fs.ReadDirFS  = (*memFS)(nil)
	_ fs.ReadFileFS = (*memFS)(nil)
)

func newMemFS(files map[string]string) *memFS {
	m := &memFS{files: make([]memFile, 0, len(files))}
	for name, data := range files {
		m.files = append(m.files, memFile{name, data})
	}
	slices.SortFunc(m.files, func(a, b memFile) int { return strings.Compare(a.name, b.name) })
	m.entries = make([]fs.DirEntry, len(m.files))
	for i := range m.files {
		m.entries[i] = fileInfo{&m.files[i]}
	}
	return m
}

func (m *memFS) lookup(name string) (*memFile, bool) {
	i, ok := slices.BinarySearchFunc(m.files, name, func(f memFile, name string) int { return strings.Compare(f.name, name) })
	if !ok {
		return nil, false
	}
	return &m.files[i], true
}

func (m *memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &memDir{fs: m}, nil
	}
	f, ok := m.lookup(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &openFile{f: f, r: strings.NewReader(f.data)}, nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(m.entries), nil
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, ok := m.lookup(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return []byte(f.data), nil
}

// fileInfo is both the fs.FileInfo and the fs.DirEntry of a file.
type fileInfo struct{ f *memFile }

func (i fileInfo) Name() string               { return i.f.name }
func (i fileInfo) Size() int64                { return int64(len(i.f.data)) }
func (i fileInfo) Mode() fs.FileMode          { return 0o444 }
func (i fileInfo) ModTime() time.Time         { return time.Time{} }
func (i fileInfo) IsDir() bool                { return false }
func (i fileInfo) Sys() any                   { return nil }
func (i fileInfo) Type() fs.FileMode          { return 0 }
func (i fileInfo) Info() (fs.FileInfo, error) { return i, nil }

type openFile struct {
	f *memFile
	r *strings.Reader
}

func (o *openFile) Stat() (fs.FileInfo, error) { return fileInfo{o.f}, nil }
func (o *openFile) Read(p []byte) (int, error) { return o.r.Read(p) }
func (o *openFile) Close() error               { return nil }

type memDir struct {
	fs  *memFS
	off int
}

type dirInfo struct{}

func (dirInfo) Name() string       { return "." }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }

func (d *memDir) Stat() (fs.FileInfo, error) { return dirInfo{}, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.fs.entries[d.off:]
	if n <= 0 {
		d.off = len(d.fs.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(rest))
	d.off += k
	return slices.Clone(rest[:k]), nil
}
