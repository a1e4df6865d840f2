package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const syncUserModel = `package models

import "strings"

// User signs in.
type User struct {
	ID int64 ` + "`db:\"id\" hoist:\"pk;autoincrement\"`" + `
	// Email is where mail goes.
	Email string ` + "`db:\"email\" hoist:\"size:255\"`" + `
}

// Domain is the part of the email after the @.
func (u User) Domain() string { _, d, _ := strings.Cut(u.Email, "@"); return d }
`

// TestModelsSync runs models:sync through the hoist command on each
// engine: --dry-run prints a unified diff that adds the missing name
// column and writes nothing; the run writes it, keeping the method and
// comments; a second run finds nothing to do.
func TestModelsSync(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			_, url := e.open(t)
			s := newSession(t, "DATABASE_URL="+url)
			for rel, text := range map[string]string{
				"migrations/20260101000000_create_users.sql": "-- +hoist up\n" + usersTable[e.name] + ";\n\n-- +hoist down\nDROP TABLE users;\n",
				"models/user.go": syncUserModel,
			} {
				p := filepath.Join(s.dir, rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s.ok("migrate")
			model := filepath.Join(s.dir, "models", "user.go")
			r := s.ok("models:sync", "--dry-run")
			for _, want := range []string{"--- a/models/user.go", "+++ b/models/user.go", "@@ ", "-\tID int64 `db:\"id\" hoist:\"pk;autoincrement\"`\n+\tID   int64  `db:\"id\" hoist:\"pk;autoincrement\"`\n+\tName string `db:\"name\" hoist:\"size:100\"`\n"} {
				if !strings.Contains(r.stdout, want) {
					t.Fatalf("--dry-run printed:\n%s\nwant it to contain %q", r.stdout, want)
				}
			}
			if b, _ := os.ReadFile(model); string(b) != syncUserModel {
				t.Fatalf("--dry-run wrote the model:\n%s", b)
			}
			r = s.ok("models:sync")
			if !strings.Contains(r.stdout, "updated models/user.go") {
				t.Fatalf("models:sync printed %s; want the model updated", r)
			}
			b, _ := os.ReadFile(model)
			for _, keep := range []string{"// Email is where mail goes.\n", "func (u User) Domain() string { _, d, _ := strings.Cut(u.Email, \"@\"); return d }\n", "Name string `db:\"name\" hoist:\"size:100\"`"} {
				if !strings.Contains(string(b), keep) {
					t.Fatalf("the synced model:\n%s\nlacks %q", b, keep)
				}
			}
			if r := s.ok("models:sync"); strings.TrimSpace(r.stdout) != "models are up to date" {
				t.Fatalf("a second models:sync printed %s; want up to date", r)
			}
			if r := s.ok("models:sync", "--from", "migrations"); strings.TrimSpace(r.stdout) != "models are up to date" {
				t.Fatalf("models:sync --from migrations printed %s; want up to date", r)
			}
			schemaSQL := filepath.Join(s.dir, "schema.sql")
			if err := os.WriteFile(schemaSQL, []byte(usersTable[e.name]+";\nCREATE TABLE tags (id BIGINT PRIMARY KEY, label VARCHAR(50) NOT NULL);\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r = s.ok("models:sync", "--schema", "schema.sql", "--dry-run")
			for _, want := range []string{"--- /dev/null\n+++ b/models/tag.go\n", "+type Tag struct {", "+\tLabel string `db:\"label\" hoist:\"size:50\"`"} {
				if !strings.Contains(r.stdout, want) {
					t.Fatalf("--schema --dry-run printed:\n%s\nwant it to contain %q", r.stdout, want)
				}
			}
			if err := os.WriteFile(schemaSQL, []byte("CREATE TABLE a (id BIGINT PRIMARY KEY);\n\nCREATE TABLE oops (;\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if r := s.run("models:sync", "--schema", "schema.sql"); r.code != 1 || !strings.Contains(r.stderr, "schema.sql:3:") {
				t.Fatalf("a broken schema file: %s; want exit 1 naming schema.sql:3", r)
			}
		})
	}
}
