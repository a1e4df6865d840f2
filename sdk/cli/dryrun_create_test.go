package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunCreatesNothing: `migrate --create-database --dry-run` says it
// would create the database and apply every migration, and creates
// nothing, on the servers.
func TestDryRunCreatesNothing(t *testing.T) {
	for _, e := range engines[1:] {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db, dbURL := e.open(t)
			name := lastSegment(dbURL) + "_dry"
			newURL := strings.Replace(dbURL, "/"+lastSegment(dbURL), "/"+name, 1)
			t.Cleanup(func() { db.DB.Exec("DROP DATABASE IF EXISTS " + db.Dialect.QuoteIdent(name)) })
			s := newSession(t, "DATABASE_URL="+newURL)
			s.ok("make:migration", "create users table")
			r := s.ok("migrate", "--create-database", "--dry-run")
			if !strings.Contains(r.stdout, "would create database "+name+", which does not exist (dry run: nothing was created)") ||
				!strings.Contains(r.stdout, "would apply 1 migration as batch 1") || !strings.Contains(r.stdout, "CREATE TABLE users") {
				t.Errorf("migrate --create-database --dry-run: %s", r)
			}
			r = s.ok("migrate", "--create-database", "--dry-run", "--json")
			var run struct {
				DryRun     bool `json:"dry_run"`
				Migrations []struct {
					Name string `json:"name"`
				} `json:"migrations"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &run); err != nil || !run.DryRun || len(run.Migrations) != 1 {
				t.Errorf("migrate --create-database --dry-run --json: %v\n%s", err, r)
			}
			exists := "SELECT COUNT(*) FROM pg_database WHERE datname = $1"
			if e.name == "mysql" {
				exists = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
			}
			var n int
			if err := db.DB.QueryRow(exists, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("the dry run created database %s", name)
			}
		})
	}
}

// TestDryRunCreatesNoSQLiteFile: a dry run on a SQLite file that does not
// exist creates neither the file nor, with --create-database, its
// directory.
func TestDryRunCreatesNoSQLiteFile(t *testing.T) {
	t.Parallel()
	s := newSession(t)
	s.ok("make:migration", "create users table")
	for _, tc := range []struct {
		url, path string
		args      []string
	}{
		{"sqlite:data/app.db", "data", []string{"migrate", "--create-database", "--dry-run"}},
		{"sqlite:app.db", "app.db", []string{"migrate", "--dry-run"}},
	} {
		r := s.ok(append(tc.args, "--database-url", tc.url)...)
		if !strings.Contains(r.stdout, "would create SQLite file") || !strings.Contains(r.stdout, "would apply 1 migration") {
			t.Errorf("hoist %s: %s", strings.Join(tc.args, " "), r)
		}
		if _, err := os.Stat(filepath.Join(s.dir, tc.path)); err == nil {
			t.Errorf("hoist %s created %s", strings.Join(tc.args, " "), tc.path)
		}
	}
}

// TestReadOnlyCreatesNoSQLiteFile: migrate:status, validate and
// migrate:history on a SQLite file that does not exist read it as the
// empty database it would be, say so, and do not create it.
func TestReadOnlyCreatesNoSQLiteFile(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:app.db")
	s.ok("make:migration", "create users table")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate:status"}, "0 applied, 1 pending"},
		{[]string{"validate"}, "ok: 1 migration"},
		{[]string{"migrate:history"}, "no history"},
		{[]string{"migrate:rollback", "--dry-run"}, "nothing to roll back"},
	} {
		r := s.ok(tc.args...)
		if !strings.Contains(r.stdout, tc.want) || !strings.Contains(r.stderr, "note: the SQLite file app.db does not exist yet: nothing is migrated (nothing was created)") {
			t.Errorf("hoist %s on a missing SQLite file: %s", strings.Join(tc.args, " "), r)
		}
		if _, err := os.Stat(filepath.Join(s.dir, "app.db")); err == nil {
			t.Fatalf("hoist %s created app.db", strings.Join(tc.args, " "))
		}
	}
	s.ok("migrate")
	if r := s.ok("migrate:status"); !strings.Contains(r.stdout, "1 applied, 0 pending") || strings.Contains(r.stderr, "note:") {
		t.Errorf("status after migrate: %s", r)
	}
}
