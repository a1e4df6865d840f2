package cli_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// mountedUser is the users table of usersTable, with a nullable phone
// and a wider email.
type mountedUser struct {
	ID    int64          `db:"id" hoist:"pk;autoincrement"`
	Name  string         `db:"name" hoist:"size:100"`
	Email string         `db:"email" hoist:"size:500"`
	Phone sql.NullString `db:"phone" hoist:"size:30"`
}

func (mountedUser) TableName() string { return "users" }

// mountedPost is new.
type mountedPost struct {
	ID     int64  `db:"id" hoist:"pk;autoincrement"`
	UserID int64  `db:"user_id" hoist:"fk:users.id;ondelete:cascade"`
	Title  string `db:"title" hoist:"size:200"`
}

func (mountedPost) TableName() string { return "posts" }

// TestMountedGenerate: a tree mounted over the application's Migrator
// with cli.WithModels generates from the compiled-in models, on each
// engine: the file creates posts, adds phone and widens email; applied
// (by a Migrator that reads the new file too), a second generate says
// the schema is up to date and writes nothing. --from migrations is
// refused as a usage error.
func TestMountedGenerate(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		engine := map[string]string{"pgx": "postgres", "mysql": "mysql", "sqlite": "sqlite"}[db.Driver]
		first := fstest.MapFS{"0001_create_users.sql": {Data: []byte("-- +hoist up\n" + usersTable[engine] + ";\n-- +hoist down\nDROP TABLE users;\n")}}
		dir := t.TempDir()
		run := func(m *sdk.Migrator, args ...string) (string, int) {
			t.Helper()
			root, err := cli.Command(m, cli.WithName("myapp"), cli.WithModels(mountedUser{}, &mountedPost{}))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			root.SetArgs(append(args, "--output", dir))
			root.SetOut(&out)
			root.SetErr(&out)
			code := cli.Execute(t.Context(), root)
			return out.String(), code
		}
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(first), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		if out, code := run(m, "migrate:generate", "--from", "migrations"); code != 2 {
			t.Errorf("mounted migrate:generate --from migrations: exit %d\n%s; want a usage error", code, out)
		}
		if out, code := run(m, "migrate:generate", "--name", "add phone"); code != 0 {
			t.Fatalf("mounted migrate:generate: exit %d\n%s", code, out)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*_add_phone.sql"))
		if len(files) != 1 {
			t.Fatalf("mounted migrate:generate wrote %v; want one *_add_phone.sql", files)
		}
		text, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"CREATE TABLE", "posts", "phone", "500"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("the generated file lacks %q:\n%s", want, text)
			}
		}
		both := fstest.MapFS{"0001_create_users.sql": first["0001_create_users.sql"], filepath.Base(files[0]): {Data: text}}
		m2, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(both), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m2.Up(t.Context()); err != nil {
			t.Fatalf("applying the generated file: %v\n%s", err, text)
		}
		if out, code := run(m2, "migrate:generate", "--name", "again"); code != 0 || !strings.Contains(out, "schema is up to date") {
			t.Fatalf("a second mounted migrate:generate: exit %d\n%s; want up to date", code, out)
		}
		if again, _ := filepath.Glob(filepath.Join(dir, "*_again.*")); len(again) != 0 {
			t.Errorf("a generate with nothing to change wrote %v", again)
		}
	})
}

// TestWithModelsRefusesBadModels: WithModels checks its models when the
// tree is built.
func TestWithModelsRefusesBadModels(t *testing.T) {
	db := testkit.SQLite(t)
	m, err := sdk.New(db.DB, db.Dialect, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Command(m, cli.WithModels()); err == nil || !strings.Contains(err.Error(), "no models") {
		t.Errorf("WithModels(): %v; want no models", err)
	}
	if _, err := cli.Command(m, cli.WithModels(42)); err == nil || !strings.Contains(err.Error(), "WithModels") {
		t.Errorf("WithModels(42): %v; want an error", err)
	}
}

// mountedAccount is the users table of usersTable under a new name.
type mountedAccount struct {
	ID    int64  `db:"id" hoist:"pk;autoincrement"`
	Name  string `db:"name" hoist:"size:100"`
	Email string `db:"email" hoist:"size:255"`
}

func (mountedAccount) TableName() string   { return "accounts" }
func (mountedAccount) RenamedFrom() string { return "users" }

// TestMountedGenerateRenamesTable: a model whose RenamedFrom names the
// users table makes the mounted migrate:generate write a rename, on each
// engine; applied, the row of users is in accounts; rolled back, users
// is back with it.
func TestMountedGenerateRenamesTable(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		ctx := t.Context()
		engine := map[string]string{"pgx": "postgres", "mysql": "mysql", "sqlite": "sqlite"}[db.Driver]
		first := fstest.MapFS{"0001_create_users.sql": {Data: []byte("-- +hoist up\n" + usersTable[engine] + ";\n-- +hoist down\nDROP TABLE users;\n")}}
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(first), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DB.ExecContext(ctx, "INSERT INTO users (name, email) VALUES ('Ann', 'ann@example.com')"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		root, err := cli.Command(m, cli.WithName("myapp"), cli.WithModels(mountedAccount{}))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		root.SetArgs([]string{"migrate:generate", "--name", "rename users", "--output", dir})
		root.SetOut(&out)
		root.SetErr(&out)
		if code := cli.Execute(ctx, root); code != 0 {
			t.Fatalf("mounted migrate:generate: exit %d\n%s", code, &out)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*_rename_users.sql"))
		if len(files) != 1 {
			t.Fatalf("wrote %v; want one *_rename_users.sql", files)
		}
		text, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if s := string(text); !strings.Contains(s, "renamed: table users -> accounts") || !strings.Contains(s, "RENAME") || strings.Contains(s, "CREATE TABLE") || strings.Contains(s, "DROP TABLE") {
			t.Fatalf("the generated file is not a rename:\n%s", s)
		}
		both := fstest.MapFS{"0001_create_users.sql": first["0001_create_users.sql"], filepath.Base(files[0]): {Data: text}}
		m2, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(both), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m2.Up(ctx); err != nil {
			t.Fatalf("applying the rename: %v\n%s", err, text)
		}
		var email string
		if err := db.DB.QueryRowContext(ctx, "SELECT email FROM accounts WHERE name = 'Ann'").Scan(&email); err != nil || email != "ann@example.com" {
			t.Fatalf("after the up, accounts has %q, %v; want the row of users", email, err)
		}
		if d, err := m2.Drift(ctx); err != nil || d.Drifted {
			t.Fatalf("Drift after the generated migration: %v, %+v; want none", err, d)
		}
		if _, err := m2.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		if err := db.DB.QueryRowContext(ctx, "SELECT email FROM users WHERE name = 'Ann'").Scan(&email); err != nil || email != "ann@example.com" {
			t.Fatalf("after the down, users has %q, %v; want the row back", email, err)
		}
	})
}
