package cli_test

import (
	"encoding/json"
	"regexp"
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
