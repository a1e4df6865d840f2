package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDrivers(t *testing.T) {
	for _, d := range []string{"pgx", "mysql", "sqlite"} {
		if !slices.Contains(sql.Drivers(), d) {
			t.Errorf("the hoist command does not link the %q driver", d)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	migrations := filepath.Join(dir, "migrations")
	if err := os.MkdirAll(migrations, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(migrations, "0001_a.sql"), []byte("-- +hoist up\nCREATE TABLE a (id INT);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--version"}, 0, "hoist version "},
		{[]string{"migrate", "--migrations", migrations, "--database-url", "sqlite:" + filepath.Join(dir, "app.db")}, 0, "migrated 1 migration in batch 1"},
		{[]string{"status", "--migrations", migrations, "--database-url", "sqlite:" + filepath.Join(dir, "app.db")}, 0, "1 applied, 0 pending"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), tc.args, strings.NewReader(""), &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("hoist %s: exit %d, want %d with %q\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, &out, &errb)
		}
	}
}
