package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// laravelProject writes two migrations (b refers to a, and a view reads
// b) and a seeder that inserts a row into a.
func laravelProject(t *testing.T, s *session) {
	t.Helper()
	for name, text := range map[string]string{
		"migrations/0001_a.sql": "-- +hoist up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- +hoist down\nDROP TABLE a;\n",
		"migrations/0002_b.sql": "-- +hoist up\nCREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id));\n" +
			"CREATE VIEW vb AS SELECT id, a_id FROM b;\n-- +hoist down\nDROP VIEW vb;\nDROP TABLE b;\n",
		"seeds/10_a.sql": "INSERT INTO a (id) VALUES (1);\n",
	} {
		p := filepath.Join(s.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func rowCount(t *testing.T, db *testkit.DB, table string) int {
	t.Helper()
	var n int
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// TestLaravelCommands: migrate --seed, migrate:fresh, migrate:refresh,
// migrate:reset and db:wipe on each engine, on a local target, which
// asks no question.
func TestLaravelCommands(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		laravelProject(t, s)

		r := s.ok("migrate", "--seed")
		if !strings.Contains(r.stdout, "migrated 2 migrations") || !strings.Contains(r.stdout, "ran 1 seeder") || rowCount(t, db, "a") != 1 {
			t.Errorf("migrate --seed: %s", r)
		}

		// fresh drops what no migration made, and migrates again.
		if _, err := db.DB.Exec("CREATE TABLE stray (id INT)"); err != nil {
			t.Fatal(err)
		}
		r = s.ok("migrate:fresh", "--seed")
		if !strings.Contains(r.stdout, "dropped") || !strings.Contains(r.stdout, "migrated 2 migrations in batch 1") || !strings.Contains(r.stdout, "ran 1 seeder") {
			t.Errorf("migrate:fresh --seed: %s", r)
		}
		tableExists(t, db, "stray", false)
		tableExists(t, db, "vb", true)
		if n := rowCount(t, db, "a"); n != 1 {
			t.Errorf("after migrate:fresh --seed, a has %d rows, want 1", n)
		}

		r = s.ok("migrate:refresh", "--json")
		var refresh struct {
			Reset   struct{ Migrations []struct{ Direction string } } `json:"reset"`
			Migrate struct{ Migrations []struct{ Direction string } } `json:"migrate"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &refresh); err != nil || len(refresh.Reset.Migrations) != 2 || len(refresh.Migrate.Migrations) != 2 {
			t.Errorf("migrate:refresh --json: %v\n%s", err, r)
		}
		if n := rowCount(t, db, "a"); n != 0 {
			t.Errorf("after migrate:refresh without --seed, a has %d rows, want 0", n)
		}

		r = s.ok("migrate:reset")
		if !strings.Contains(r.stdout, "rolled back 2 migrations") {
			t.Errorf("migrate:reset: %s", r)
		}
		tableExists(t, db, "a", false)
		tableExists(t, db, "b", false)

		s.ok("migrate")
		r = s.ok("db:wipe", "--json")
		var wipe struct {
			Dropped []struct{ Kind, Name string } `json:"dropped"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &wipe); err != nil {
			t.Fatalf("db:wipe --json: %v\n%s", err, r)
		}
		got := map[string]string{}
		for _, d := range wipe.Dropped {
			got[d.Name] = d.Kind
		}
		for name, kind := range map[string]string{"a": "table", "b": "table", "vb": "view", "hoist_migrations": "table"} {
			if got[name] != kind {
				t.Errorf("db:wipe --json does not list %s %s: %s", kind, name, r.stdout)
			}
		}
		for _, table := range []string{"a", "b", "vb", "hoist_migrations"} {
			tableExists(t, db, table, false)
		}
		if r := s.ok("db:wipe"); !strings.Contains(r.stdout, "nothing to drop") {
			t.Errorf("db:wipe on an empty database: %s", r)
		}
	})
}

// TestWipePostgresTypes: on PostgreSQL db:wipe also drops the sequences
// and types of the current schema.
func TestWipePostgresTypes(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for _, q := range []string{"CREATE TYPE mood AS ENUM ('ok', 'sad')", "CREATE SEQUENCE counter",
		"CREATE TABLE person (id SERIAL PRIMARY KEY, m mood)", "CREATE MATERIALIZED VIEW people AS SELECT * FROM person"} {
		if _, err := db.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	r := s.ok("db:wipe")
	for _, name := range []string{"mood", "counter", "person", "people"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("db:wipe does not name %s: %s", name, r)
		}
	}
	var n int
	if err := db.DB.QueryRow(`SELECT (SELECT COUNT(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public')
		+ (SELECT COUNT(*) FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = 'public')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d relations and types are left in public after db:wipe", n)
	}
}

// TestProductionGuard: the destructive commands refuse, without a
// terminal and without --force, on a target that looks like production
// (HOIST_ENV, APP_ENV, or a server that is not this machine), change
// nothing, and go on with --force.
func TestProductionGuard(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		laravelProject(t, s)
		s.ok("migrate")
		for _, env := range []string{"HOIST_ENV=production", "APP_ENV=prod"} {
			s.env = append(s.env, env)
			for _, cmd := range []string{"db:wipe", "migrate:fresh", "migrate:reset", "migrate:refresh", "migrate:rollback", "migrate:redo"} {
				r := s.run(cmd)
				if r.code != 2 || !strings.Contains(r.stderr, cmd+": the target looks like production ("+env+")") ||
					!strings.Contains(r.stderr, "add --force") {
					t.Errorf("hoist %s with %s off a terminal: %s\nwant exit 2, refused", cmd, env, r)
				}
			}
			if r := s.run("migrate:rollback"); !strings.Contains(r.stderr, "it would roll back 2 migrations:\n  down 2 b\n  down 1 a") {
				t.Errorf("migrate:rollback does not say what it would undo: %s", r)
			}
			tableExists(t, db, "b", true)
			s.env = s.env[:len(s.env)-1]
		}
		s.env = append(s.env, "HOIST_ENV=production")
		if r := s.ok("migrate:rollback", "--force"); !strings.Contains(r.stdout, "rolled back 2 migrations") {
			t.Errorf("migrate:rollback --force: %s", r)
		}
		s.ok("migrate:fresh", "--force")
		tableExists(t, db, "b", true)
		// HOIST_ENV says what a database is, over APP_ENV.
		s.env = append(s.env, "HOIST_ENV=staging", "APP_ENV=production")
		s.ok("migrate:reset")
		tableExists(t, db, "b", false)
	})
}

// TestProductionByHost: a server on another machine looks like
// production; the refusal comes before connecting.
func TestProductionByHost(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=postgres://app:"+secret+"@db.example.invalid:5432/shop")
	for _, cmd := range []string{"db:wipe", "migrate:fresh"} {
		r := s.run(cmd, "--json")
		if r.code != 2 || !strings.Contains(r.stderr, "the target looks like production (host db.example.invalid is not this machine)") || r.stdout != "" {
			t.Errorf("hoist %s on a remote host off a terminal: %s", cmd, r)
		}
	}
}
