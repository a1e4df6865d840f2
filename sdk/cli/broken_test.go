package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestBrokenFileReadable: one unfinished migration file (an empty up
// section) does not stop the read-only commands: migrate:status lists it
// as broken, migrate --dry-run plans the others and names it; migrate
// refuses, naming it, and runs nothing.
func TestBrokenFileReadable(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		put := func(name, text string) {
			t.Helper()
			p := filepath.Join(s.dir, "migrations", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		put("0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")
		s.ok("migrate")
		put("0002_b.sql", "-- +hoist up\n\n-- +hoist down\n")
		put("0003_c.sql", "-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE c;\n")

		r := s.ok("migrate:status")
		for _, want := range []string{"0002_b.sql  broken", "up section has no statements", "1 applied, 1 pending, 1 broken"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("migrate:status lacks %q\n%s", want, r)
			}
		}
		r = s.ok("migrate:status", "--json")
		var st struct {
			Pending []struct{ Version int64 } `json:"pending"`
			Broken  []struct {
				File    string `json:"file"`
				Problem string `json:"problem"`
			} `json:"broken"`
			Summary struct{ Broken int } `json:"summary"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("migrate:status --json: %v\n%s", err, r)
		}
		if len(st.Broken) != 1 || st.Broken[0].File != "0002_b.sql" || st.Summary.Broken != 1 || len(st.Pending) != 1 {
			t.Errorf("migrate:status --json: %s", r.stdout)
		}
		if r := s.run("migrate:status", "--exit-code"); r.code != 1 || !strings.Contains(r.stderr, "1 migration file broken") {
			t.Errorf("migrate:status --exit-code with a broken file: %s", r)
		}
		r = s.ok("migrate", "--dry-run")
		if !strings.Contains(r.stdout, "up   3 c") || !strings.Contains(r.stderr, "migrations/0002_b.sql:1: up section has no statements") {
			t.Errorf("migrate --dry-run with a broken file: %s", r)
		}
		r = s.run("migrate")
		if r.code != 1 || !strings.Contains(r.stderr, "runs nothing while a migration file is broken") || !strings.Contains(r.stderr, "migrations/0002_b.sql:1: up section has no statements") {
			t.Errorf("migrate with a broken file: %s\nwant exit 1 naming the file", r)
		}
		tableExists(t, db, "c", false)

		// An applied migration whose file breaks is broken, not missing.
		put("0001_a.sql", "-- +hoist up\n-- +hoist down\nDROP TABLE a;\n")
		r = s.ok("migrate:status")
		if strings.Contains(r.stdout, "missing") || !strings.Contains(r.stdout, "0001_a.sql") || !strings.Contains(r.stdout, "2 broken") {
			t.Errorf("migrate:status with an applied migration's file broken: %s", r)
		}
	})
}
