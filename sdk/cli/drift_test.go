package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateDrift, on each engine: a database as its migrations made
// it has no drift (exit 0), also with a migration still pending; an
// index added by hand is drift (exit 1), named, with the SQL that
// removes it; once that SQL ran, there is no drift again.
func TestMigrateDrift(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db, url := e.open(t)
			s := newSession(t, "DATABASE_URL="+url)
			dir := filepath.Join(s.dir, "migrations")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			write := func(name, text string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("20260101000000_create_users.sql", "-- +hoist up\n"+usersTable[e.name]+";\n\n-- +hoist down\nDROP TABLE users;\n")
			s.ok("migrate")
			write("20260102000000_create_tags.sql", "-- +hoist up\nCREATE TABLE tags (id BIGINT NOT NULL PRIMARY KEY);\n\n-- +hoist down\nDROP TABLE tags;\n")
			if r := s.ok("migrate:drift"); !strings.Contains(r.stdout, "no drift") {
				t.Fatalf("a database as its migrations made it (one pending): %s; want no drift", r)
			}
			if _, err := db.DB.ExecContext(t.Context(), "CREATE INDEX users_name_idx ON users (name)"); err != nil {
				t.Fatal(err)
			}
			r := s.run("migrate:drift")
			if r.code != 1 || !strings.Contains(r.stdout, "index users_name_idx on users is not in the migrations") || !strings.Contains(r.stdout, "DROP INDEX") {
				t.Fatalf("after an index added by hand: %s; want exit 1, the index named and its DROP INDEX", r)
			}
			r = s.run("migrate:drift", "--json")
			var got struct {
				Drifted bool
				SQL     []string
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 1 || !got.Drifted || len(got.SQL) != 1 {
				t.Fatalf("--json: %v\n%s; want drifted with one statement", err, r)
			}
			if _, err := db.DB.ExecContext(t.Context(), got.SQL[0]); err != nil {
				t.Fatal(err)
			}
			if r := s.ok("migrate:drift"); !strings.Contains(r.stdout, "no drift") {
				t.Fatalf("after running the SQL drift printed: %s; want no drift", r)
			}
		})
	}
}
