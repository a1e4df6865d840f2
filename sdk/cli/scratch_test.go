package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestValidateScratch: validate --scratch applies every migration and
// rolls each back in a throwaway database of the configured engine, so it
// catches a syntax error and a down that fails, which parsing cannot; it
// leaves no scratch database behind and the real database untouched.
func TestValidateScratch(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		laravelProject(t, s)
		engine := dbName(db)
		r := s.ok("validate", "--scratch")
		if !strings.Contains(r.stdout, "ok: applied 2 migrations and rolled back 2 on a scratch "+engine+" database") {
			t.Errorf("validate --scratch: %s", r)
		}
		c := filepath.Join(s.dir, "migrations", "0003_c.sql")
		if err := os.WriteFile(c, []byte("-- +hoist up\nCREATE TABLE c (id INT;\n-- +hoist down\nDROP TABLE c;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := s.ok("validate"); !strings.Contains(r.stdout, "ok: 3 migrations") {
			t.Errorf("validate without --scratch does not see SQL errors, as documented: %s", r)
		}
		r = s.run("validate", "--scratch")
		if r.code != 1 || !strings.Contains(r.stdout, "problem: scratch database: migration 3 c up failed at 0003_c.sql:2") {
			t.Errorf("validate --scratch with a syntax error: %s", r)
		}
		r = s.run("validate", "--scratch", "--json")
		var rep struct {
			OK       bool     `json:"ok"`
			Problems []string `json:"problems"`
			Scratch  struct {
				Engine  string `json:"engine"`
				Applied int    `json:"applied"`
			} `json:"scratch"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.OK || len(rep.Problems) != 1 || rep.Scratch.Engine != engine || rep.Scratch.Applied != 2 {
			t.Errorf("validate --scratch --json: %v\n%s", err, r)
		}
		if err := os.WriteFile(c, []byte("-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE no_such_table;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r = s.run("validate", "--scratch")
		if r.code != 1 || !strings.Contains(r.stdout, "problem: scratch database: migration 3 c down failed at 0003_c.sql:4") {
			t.Errorf("validate --scratch with a failing down: %s", r)
		}
		tableExists(t, db, "a", false) // the real database is untouched
		// The scratch database of a failing run is dropped too. Other
		// tests make scratch databases at the same time, so look for
		// this run's own, by the name its report gives.
		r = s.run("validate", "--scratch", "--json")
		var failed struct {
			Scratch struct {
				Database string `json:"database"`
			} `json:"scratch"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &failed); err != nil || !strings.HasPrefix(failed.Scratch.Database, "hoist_scratch_") && engine != "sqlite" {
			t.Fatalf("validate --scratch --json names no scratch database: %v\n%s", err, r)
		}
		q := map[string]string{
			"postgres": "SELECT COUNT(*) FROM pg_database WHERE datname = $1",
			"mysql":    "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
		}[engine]
		if q != "" {
			var left int
			if err := db.DB.QueryRow(q, failed.Scratch.Database).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("scratch database %s is left on the server", failed.Scratch.Database)
			}
		} else if _, err := os.Stat(failed.Scratch.Database); err == nil {
			t.Errorf("scratch file %s is left behind", failed.Scratch.Database)
		}
	})
}

// TestValidateScratchNoSQLiteFile: validate --scratch on a SQLite file
// that does not exist yet checks the migrations in its own scratch file,
// and creates neither.
func TestValidateScratchNoSQLiteFile(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:app.db")
	laravelProject(t, s)
	r := s.ok("validate", "--scratch")
	if !strings.Contains(r.stdout, "applied 2 migrations and rolled back 2 on a scratch sqlite database") || strings.Count(r.stderr, "note:") != 1 {
		t.Errorf("validate --scratch: %s", r)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "app.db")); err == nil {
		t.Error("validate --scratch created app.db")
	}
}
