package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestNoDatabaseConfigured: the hoist.yaml that init writes names no
// database, and a command with none configured stops with exit status 2
// and a hint, and creates nothing, instead of working on a new SQLite
// file that nobody chose.
func TestNoDatabaseConfigured(t *testing.T) {
	t.Parallel()
	s := newSession(t)
	s.ok("init")
	yaml, err := os.ReadFile(filepath.Join(s.dir, "hoist.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(yaml), "\n") {
		if strings.HasPrefix(l, "database_url:") {
			t.Errorf("init wrote a database_url: %q", l)
		}
	}
	s.ok("make:migration", "create users table")
	for _, args := range [][]string{{"migrate:status"}, {"migrate"}, {"migrate", "--dry-run"}, {"migrate", "--create-database"}, {"seed"}} {
		r := s.run(args...)
		if r.code != 2 || !strings.Contains(r.stderr, "no database URL: give --database-url, set DATABASE_URL") {
			t.Errorf("hoist %s with no database configured: %s\nwant exit 2 and the hint", strings.Join(args, " "), r)
		}
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != "hoist.yaml" && name != "migrations" && name != "seeds" {
			t.Errorf("a command with no database configured created %s", name)
		}
	}
}

// TestTargetShown: every command that touches the database names it
// (engine, host, database, password masked) on the error output before
// it acts, and --json output stays clean.
func TestTargetShown(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		s.ok("make:migration", "create users table")
		engine := dbName(db)
		want := "target: " + engine + " database " + lastSegment(dbURL) + " on 127.0.0.1:"
		if engine == "sqlite" {
			want = "target: sqlite file " + strings.TrimPrefix(dbURL, "sqlite:")
		}
		for _, args := range [][]string{{"migrate:status", "--json"}, {"migrate", "--dry-run", "--json"}, {"migrate", "--json"},
			{"migrate:history", "--json"}, {"validate", "--json"}, {"migrate:rollback", "--json"}, {"migrate"}} {
			r := s.ok(args...)
			if !strings.HasPrefix(r.stderr, want) {
				t.Errorf("hoist %s: the error output does not start with %q\n%s", strings.Join(args, " "), want, r)
			}
			if strings.Count(r.stderr, "target: ") != 1 {
				t.Errorf("hoist %s: the target is not named exactly once\n%s", strings.Join(args, " "), r)
			}
			if args[len(args)-1] == "--json" && !json.Valid([]byte(r.stdout)) {
				t.Errorf("hoist %s: the output is not JSON\n%s", strings.Join(args, " "), r)
			}
		}
	})
}

// TestTargetBeforeFailure: the target is named also when connecting to
// it fails, so the operator sees which database was meant.
func TestTargetBeforeFailure(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=postgres://app:"+secret+"@127.0.0.1:1/shop?sslmode=disable")
	r := s.run("migrate:status")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "target: postgres database shop on 127.0.0.1:1 (postgres://app:xxxxx@127.0.0.1:1/shop?sslmode=disable)\n") {
		t.Errorf("status on an unreachable server: %s", r)
	}
}
