package testkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hoistdb/hoist/dialect/sqlite"
)

var sqliteEngine = engine{
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
//	file:/tmp/hoist_test_1a2b3c4d/test.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)
func SQLite(t testing.TB) *DB {
	t.Helper()
	return open(t, sqliteEngine, sqliteFiles, nil)
}

// sqliteFiles keeps each database in a directory of its own under the
// system's temporary directory rather than in t.TempDir, which would be
// removed even when the test failed.
var sqliteFiles = &sqliteServer{dirs: map[string]string{}}

type sqliteServer struct {
	mu   sync.Mutex
	dirs map[string]string // database name → its directory
}

func (s *sqliteServer) create(_ context.Context, name string) (string, error) {
	dir, err := os.MkdirTemp("", name+"_")
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.dirs[name] = dir
	s.mu.Unlock()
	return sqliteDSN(filepath.Join(dir, "test.db")), nil
}

func (s *sqliteServer) drop(_ context.Context, name string) error {
	s.mu.Lock()
	dir, ok := s.dirs[name]
	delete(s.dirs, name)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return os.RemoveAll(dir)
}

func (*sqliteServer) redact(dsn string) string { return dsn }

// sqliteURIPath escapes what would end or change the path of a file: URI.
var sqliteURIPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func sqliteDSN(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:/C:/...
	}
	return "file:" + sqliteURIPath.Replace(p) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}
