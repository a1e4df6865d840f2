package cli_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

var reGoCreated = regexp.MustCompile(`created (migrations/\d+_backfill_names\.go)`)

// TestGoMigrationsNamed: the hoist command names the Go migration files it
// finds and cannot run, and says how to run them, instead of reporting
// every migration applied; make:migration --go says so when it writes one.
func TestGoMigrationsNamed(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		s.ok("make:migration", "create users table")
		r := s.ok("make:migration", "--go", "backfill names")
		m := reGoCreated.FindStringSubmatch(r.stdout)
		if m == nil || !strings.Contains(r.stdout, "hoist migrate and the\nother database commands name this file as one they cannot run") {
			t.Fatalf("make:migration --go: %s", r)
		}
		want := m[1] + " is a Go migration, which the hoist command cannot run"
		for _, args := range [][]string{{"migrate"}, {"migrate:status", "--json"}, {"migrate", "--dry-run"}} {
			r := s.ok(args...)
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "through the application's own binary, with the commands mounted") {
				t.Errorf("hoist %s does not name the Go migration it cannot run: %s", strings.Join(args, " "), r)
			}
			if args[len(args)-1] == "--json" && !json.Valid([]byte(r.stdout)) {
				t.Errorf("hoist %s: not JSON: %s", strings.Join(args, " "), r)
			}
		}
	})
}

// TestGoMigrationAhead: the hoist command refuses to apply a SQL
// migration newer than a Go migration it cannot run and that is not
// applied, since the application would then refuse the Go one as out of
// order; it applies the ones before it, and goes on with
// --allow-out-of-order.
func TestGoMigrationAhead(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		s.ok("make:migration", "create users table")
		m := reGoCreated.FindStringSubmatch(s.ok("make:migration", "--go", "backfill names").stdout)
		if m == nil {
			t.Fatal("make:migration --go named no file")
		}
		s.ok("make:migration", "create posts table")
		r := s.run("migrate")
		if r.code != 1 || !strings.Contains(r.stderr, "newer than the Go migration "+m[1]+", which the hoist command cannot run and which is not applied") ||
			!strings.Contains(r.stderr, "migrate --to ") {
			t.Errorf("migrate past a Go migration: %s\nwant exit 1 naming it", r)
		}
		tableExists(t, db, "users", false)
		version := strings.TrimSuffix(strings.TrimPrefix(m[1], "migrations/"), "_backfill_names.go")
		v, err := strconv.ParseInt(version, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		s.ok("migrate", "--to", strconv.FormatInt(v-1, 10))
		tableExists(t, db, "users", true)
		tableExists(t, db, "posts", false)
		s.ok("migrate", "--allow-out-of-order")
		tableExists(t, db, "posts", true)
	})
}
