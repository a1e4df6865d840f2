package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/sqlite"
)

var sqliteEngine = &engine{
	name:    "sqlite",
	title:   "SQLite",
	driver:  "sqlite",
	dialect: sqlite.New(),
}

// SQLite returns a new, empty SQLite database file, removed with its
// directory when the test ends (kept and logged when it failed or
// HOIST_TEST_KEEP=1). It needs no configuration and never skips.
//
// The DSN is a file: URI in modernc.org/sqlite's syntax that makes every
// connection wait up to 10s for a locked database and use WAL mode:
//
//	file:/tmp/hoist_test_1767225600_1a2b3c4d_123456/test.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)
func SQLite(t testing.TB, opts ...Option) *DB {
	t.Helper()
	return open(t, sqliteEngine, resolveSQLite, opts)
}

// resolveSQLite sweeps what earlier test binaries left, once.
var resolveSQLite = sync.OnceValues(func() (server, error) {
	sqliteFiles.sweep(time.Now())
	return sqliteFiles, nil
})

// sqliteFiles keeps each database in a directory of its own under the
// system's temporary directory rather than in t.TempDir, which would be
// removed even when the test failed. Templates live in a directory shared
// by the test binaries of the user, sqliteTemplateDir.
var sqliteFiles = &sqliteServer{dirs: map[string]string{}}

type sqliteServer struct {
	mu   sync.Mutex
	dirs map[string]string // database name → its directory
	// owned holds the release of the lock on each test database's
	// ownerLockFile.
	owned map[string]func()
}

// ownerLockFile, in a test database's directory, is locked (flock) by the
// test binary that uses the database, so that the next binary's sweep
// removes the directory at once when that binary was killed, and leaves
// it alone while it runs. A kept database has none: it goes after a day.
const ownerLockFile = "owner.lock"

func (s *sqliteServer) create(_ context.Context, name string) (string, error) {
	dir, err := s.mkdir(os.TempDir(), name)
	if err != nil {
		return "", err
	}
	return sqliteDSN(filepath.Join(dir, "test.db")), nil
}

// mkdir makes the directory of database name in parent.
func (s *sqliteServer) mkdir(parent, name string) (string, error) {
	dir, err := os.MkdirTemp(parent, name+"_")
	if err != nil {
		return "", err
	}
	var unlock func()
	if flockWorks && parent == os.TempDir() {
		if unlock, err = lockFile(context.Background(), filepath.Join(dir, ownerLockFile)); err != nil {
			_ = os.RemoveAll(dir)
			return "", err
		}
	}
	s.mu.Lock()
	s.dirs[name] = dir
	if unlock != nil {
		if s.owned == nil {
			s.owned = map[string]func(){}
		}
		s.owned[name] = unlock
	}
	s.mu.Unlock()
	return dir, nil
}

func (s *sqliteServer) drop(_ context.Context, name string) error {
	s.mu.Lock()
	dir, ok := s.dirs[name]
	delete(s.dirs, name)
	unlock := s.owned[name]
	delete(s.owned, name)
	s.mu.Unlock()
	if unlock != nil {
		unlock()
	}
	if !ok {
		return nil
	}
	return os.RemoveAll(dir)
}

// disown removes a kept database's ownerLockFile, so that sweeps leave
// it for a day.
func (s *sqliteServer) disown(name string) {
	s.mu.Lock()
	dir := s.dirs[name]
	unlock := s.owned[name]
	delete(s.owned, name)
	s.mu.Unlock()
	if unlock != nil {
		_ = os.Remove(filepath.Join(dir, ownerLockFile))
		unlock()
	}
}

func (*sqliteServer) redact(dsn string) string { return dsn }

func (*sqliteServer) limiter() *limiter { return nil }

func (s *sqliteServer) templates() templateStore { return s }

func (*sqliteServer) disposable() bool { return false }

func (*sqliteServer) where() string { return "files under " + os.TempDir() }

// sqliteTemplateDir holds the finished templates, one file per key, and
// their lock files.
func sqliteTemplateDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("hoist-testkit-%d", os.Getuid()))
}

// sweep removes the test database directories and templates that
// outlived their maximum age.
func (s *sqliteServer) sweep(now time.Time) {
	if entries, err := os.ReadDir(os.TempDir()); err == nil {
		for _, d := range entries {
			name, _, ok := cutLast(d.Name(), "_")
			if !d.IsDir() || !ok || !databaseName.MatchString(name) {
				continue
			}
			dir := filepath.Join(os.TempDir(), d.Name())
			if expired(name, now) || ownerLockFree(dir) {
				_ = os.RemoveAll(dir)
			}
		}
	}
	dir := sqliteTemplateDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, d := range entries {
		info, err := d.Info()
		if err != nil || now.Sub(info.ModTime()) < templateMaxAge {
			continue
		}
		switch {
		case sqliteTemplateFile.MatchString(d.Name()), sqliteLockFile.MatchString(d.Name()):
			// A lock file is only ever held for the seconds a build
			// takes; should this one be held, the worst is a template
			// built twice, each renamed into place whole.
			_ = os.Remove(filepath.Join(dir, d.Name()))
		case d.IsDir(): // a build whose binary died
			_ = os.RemoveAll(filepath.Join(dir, d.Name()))
		}
	}
}

// ownerLockFree reports whether the test binary that used the database in
// dir ended without removing it: its ownerLockFile is there and nobody
// holds its lock.
func ownerLockFree(dir string) bool {
	path := filepath.Join(dir, ownerLockFile)
	if _, err := os.Stat(path); !flockWorks || err != nil {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one try
	unlock, err := lockFile(ctx, path)
	if err != nil {
		return false
	}
	unlock()
	return true
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// sqliteURIPath escapes what would end or change the path of a file: URI.
var sqliteURIPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func sqliteDSN(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:/C:/...
	}
	return "file:" + sqliteURIPath.Replace(p) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

// Templates: a template is a file in sqliteTemplateDir named after its
// key. It is migrated in a build directory beside it, checkpointed so
// that everything is in the main file, and renamed into place, so that a
// template file that exists is complete. A clone is a copy of the file.

var sqliteVersion = sync.OnceValues(func() (string, error) {
	db, err := sql.Open(sqliteEngine.driver, ":memory:")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var v string
	err = db.QueryRow("SELECT sqlite_version()").Scan(&v)
	return "sqlite " + v, err
})

func (*sqliteServer) serverVersion(context.Context) (string, error) { return sqliteVersion() }

// A template file is named after its key. Its age is its modification
// time.
var (
	sqliteTemplateFile = regexp.MustCompile(`^hoist_test_tpl_[0-9a-f]{16}\.db$`)
	sqliteLockFile     = regexp.MustCompile(`^[0-9a-f]{16}\.lock$`)
)

func (*sqliteServer) templatePath(key string) string {
	return filepath.Join(sqliteTemplateDir(), "hoist_test_tpl_"+key[:16]+".db")
}

func (*sqliteServer) lockTemplate(ctx context.Context, key string) (func(), error) {
	if err := os.MkdirAll(sqliteTemplateDir(), 0o700); err != nil {
		return nil, err
	}
	return lockFile(ctx, filepath.Join(sqliteTemplateDir(), key[:16]+".lock"))
}

func (s *sqliteServer) findTemplate(_ context.Context, key string, _ func(context.Context, string) (bool, error)) (string, bool, error) {
	path := s.templatePath(key)
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return path, err == nil, err
}

func (s *sqliteServer) buildTemplate(_ context.Context, _ string) (name, dsn string, err error) {
	name = newDatabaseName(time.Now())
	dir, err := s.mkdir(sqliteTemplateDir(), name)
	if err != nil {
		return "", "", err
	}
	return name, sqliteDSN(filepath.Join(dir, "test.db")), nil
}

// sealTemplate checkpoints the build, so that the main file holds every
// page, and moves that file into place.
func (s *sqliteServer) sealTemplate(ctx context.Context, key, build string) (string, error) {
	s.mu.Lock()
	dir := s.dirs[build]
	s.mu.Unlock()
	file := filepath.Join(dir, "test.db")
	db, err := sql.Open(sqliteEngine.driver, sqliteDSN(file))
	if err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	path := s.templatePath(key)
	if err := os.Rename(file, path); err != nil {
		return "", err
	}
	_ = s.drop(ctx, build)
	return path, nil
}

// clone copies the template file tpl into a new database directory.
func (s *sqliteServer) clone(ctx context.Context, tpl, name string) (string, error) {
	src, err := os.Open(tpl)
	if err != nil {
		return "", err
	}
	defer src.Close()
	dir, err := s.mkdir(os.TempDir(), name)
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "test.db")
	err = copyFile(file, src)
	if err != nil {
		_ = s.drop(ctx, name)
		return "", err
	}
	return sqliteDSN(file), nil
}

// copyFile writes what src holds to a new file at path; on Linux io.Copy
// lets the kernel copy (copy_file_range), which may share the blocks.
func copyFile(path string, src io.Reader) error {
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}
