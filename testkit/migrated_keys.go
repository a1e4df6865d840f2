package testkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"debug/elf"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/hoistdb/hoist/sdk"
)

// Keys: a test binary asks for the template of the same migration set in
// every Migrated test, and the key of a set of files is the hash of what
// sdk.New makes of them, a parse of every file. keys keeps the key of
// each set of SQL migrations the binary has seen, so that a later call
// only compares: an embed.FS by value (its files cannot change), any
// other file system by the bytes of its files, read again, since a test
// may edit a directory between two calls. Sets with Go migrations are
// keyed every time (their key is cheap next to their functions' lookup,
// and a closure makes a set uncachable anyway).
var keys keyCache

// keyCache holds the template keys of SQL migration sets, by engine,
// server version and history table.
type keyCache struct {
	mu      sync.Mutex
	entries map[string][]*keyEntry
}

// keyEntry is one migration set whose key is known.
type keyEntry struct {
	fsys  fs.FS       // set for an embed.FS, compared by value
	files []fileBytes // the .sql files of the top directory otherwise
	key   string
}

// fileBytes is one file of a migration directory, as read.
type fileBytes struct {
	name string
	data []byte
}

// readSQLFiles reads the .sql files of fsys's top directory, which are
// all sdk.New reads of it, in name order.
func readSQLFiles(fsys fs.FS) ([]fileBytes, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	files := make([]fileBytes, 0, len(entries))
	for _, d := range entries {
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".sql") {
			continue
		}
		data, err := fs.ReadFile(fsys, d.Name())
		if err != nil {
			return nil, err
		}
		files = append(files, fileBytes{d.Name(), data})
	}
	return files, nil
}

func sameFiles(a, b []fileBytes) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].name != b[i].name || !bytes.Equal(a[i].data, b[i].data) {
			return false
		}
	}
	return true
}

// lookup returns the key of the set that src reads from fsys, if known,
// and the files it read to tell (nil for an embed.FS).
func (c *keyCache) lookup(id string, fsys fs.FS) (key string, files []fileBytes, ok bool, err error) {
	if _, isEmbed := fsys.(embed.FS); !isEmbed {
		if files, err = readSQLFiles(fsys); err != nil {
			return "", nil, false, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries[id] {
		if (files == nil && e.fsys == fsys) || (files != nil && e.files != nil && sameFiles(files, e.files)) {
			return e.key, files, true, nil
		}
	}
	return "", files, false, nil
}

// store remembers key for the set read from fsys (files, when not an
// embed.FS).
func (c *keyCache) store(id string, fsys fs.FS, files []fileBytes, key string) {
	e := &keyEntry{files: files, key: key}
	if files == nil {
		e.fsys = fsys
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string][]*keyEntry{}
	}
	c.entries[id] = append(c.entries[id], e)
}

// templateKey returns the template key of the migrations that opts
// describe, with a function that makes a Migrator of them. uncached
// says why the set cannot have a template (a Go migration whose
// function cannot be told from another's), "" when it can. The key of a
// set of SQL migrations is computed once per binary (keys).
func templateKey(ctx context.Context, e *engine, st templateStore, opts []sdk.Option) (key string, newMigrator func(*sql.DB) (*sdk.Migrator, error), uncached string, err error) {
	// The caller's options come after ours, so their logger wins.
	all := append([]sdk.Option{sdk.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	newMigrator = func(db *sql.DB) (*sdk.Migrator, error) { return sdk.New(db, e.dialect, all...) }
	src, err := sdk.SourcesOf(opts...)
	if err != nil {
		return "", nil, "", err
	}
	if src.FS == nil || len(src.Migrations) > 0 {
		key, uncached, err = computeTemplateKey(ctx, e, st, newMigrator)
		return key, newMigrator, uncached, err
	}
	version, err := st.serverVersion(ctx)
	if err != nil {
		return "", nil, "", fmt.Errorf("read the server's version: %w", err)
	}
	id := e.name + "\x00" + version + "\x00" + src.Table
	key, files, ok, err := keys.lookup(id, src.FS)
	if err != nil {
		return "", nil, "", fmt.Errorf("hoist: reading migrations: %w", err)
	}
	if ok {
		return key, newMigrator, "", nil
	}
	// The files were read before sdk.New reads them: should one change
	// in between, the next call sees other bytes and keys them again.
	if key, uncached, err = computeTemplateKey(ctx, e, st, newMigrator); err == nil && uncached == "" {
		keys.store(id, src.FS, files, key)
	}
	return key, newMigrator, uncached, err
}

// binaryID names the running test binary's content, computed once: the
// Go build ID the linker writes in an ELF note, which the go command
// derives from the binary's inputs and content, so that keying by it
// reads a few hundred bytes where hashing the binary read all of it;
// elsewhere (or without the note), the SHA-256 of the file.
var binaryID = sync.OnceValues(func() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	if id := goBuildID(path); id != "" {
		return "go build id " + id, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256 " + hex.EncodeToString(h.Sum(nil)), nil
})

// goBuildID reads the Go build ID from the ELF note .note.go.buildid of
// the binary at path, "" when there is none.
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	// An ELF note: name size, descriptor size, type 4, "Go\0\0", the ID.
	namesz, descsz, typ := f.ByteOrder.Uint32(data), f.ByteOrder.Uint32(data[4:]), f.ByteOrder.Uint32(data[8:])
	off := 12 + uint64(namesz+3)&^3
	if typ != 4 || namesz != 4 || string(data[12:15]) != "Go\x00" || off+uint64(descsz) > uint64(len(data)) || descsz == 0 {
		return ""
	}
	return string(data[off : off+uint64(descsz)])
}
