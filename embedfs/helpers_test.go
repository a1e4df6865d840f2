package embedfs_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/embedfs"
)

// mapFS returns a file system holding files, by name.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := make(fstest.MapFS, len(files))
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

// readMigrations reads files and fails the test on an error.
func readMigrations(t *testing.T, files map[string]string) []*embedfs.Migration {
	t.Helper()
	migrations, err := embedfs.ReadMigrations(mapFS(files))
	if err != nil {
		t.Fatalf("ReadMigrations: %v", err)
	}
	return migrations
}

// checkError fails the test unless err wraps kind, every element of a joined
// error is an *embedfs.Error, and the message contains each of want.
func checkError(t *testing.T, err, kind error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Errorf("errors.Is(%q, %v) = false", err, kind)
	}
	elems := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		elems = j.Unwrap()
	}
	for _, e := range elems {
		if _, ok := e.(*embedfs.Error); !ok {
			t.Errorf("error %q is a %T, want *embedfs.Error", e, e)
		}
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// stmts builds statements from alternating line numbers and SQL.
func stmts(lineAndSQL ...any) []embedfs.Statement {
	out := make([]embedfs.Statement, 0, len(lineAndSQL)/2)
	for i := 0; i+1 < len(lineAndSQL); i += 2 {
		out = append(out, embedfs.Statement{Line: lineAndSQL[i].(int), SQL: lineAndSQL[i+1].(string)})
	}
	return out
}
