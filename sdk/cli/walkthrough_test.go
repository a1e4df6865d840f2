package cli_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

var reCreated = regexp.MustCompile(`created migrations/(\d+)_(\w+)\.sql`)

// TestWalkthrough runs the seed documents' walk-through with the built
// binary on each engine, and compares the transcript with a golden file.
func TestWalkthrough(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		var versions []string
		s.ok("init")
		for _, name := range []string{"create users table", "create posts table"} {
			r := s.ok("make:migration", name)
			m := reCreated.FindStringSubmatch(r.stdout)
			if m == nil {
				t.Fatalf("make:migration printed no file name:\n%s", r)
			}
			versions = append(versions, m[1])
		}
		if versions[0] >= versions[1] {
			t.Errorf("versions %s and %s are not increasing", versions[0], versions[1])
		}

		s.ok("migrate", "--dry-run")
		tableExists(t, db, "users", false)
		s.ok("migrate")
		tableExists(t, db, "users", true)
		tableExists(t, db, "posts", true)
		s.ok("migrate") // nothing to do
		s.ok("migrate:status")
		s.ok("validate")
		s.ok("make:seeder", "admin")
		s.ok("seed")
		s.ok("migrate:redo")
		s.ok("migrate:rollback", "--step=1", "--dry-run")
		tableExists(t, db, "posts", true)
		s.ok("migrate:rollback", "--step=1")
		tableExists(t, db, "posts", false)
		tableExists(t, db, "users", true)

		r := s.ok("migrate:status", "--json")
		var st struct {
			Executed []struct{ Version int64 } `json:"executed"`
			Pending  []struct{ Version int64 } `json:"pending"`
			Summary  struct{ Executed, Pending int }
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("status --json: %v\n%s", err, r)
		}
		if st.Summary.Executed != 1 || st.Summary.Pending != 1 || len(st.Executed) != 1 || len(st.Pending) != 1 {
			t.Errorf("status --json after rolling back one of two: %s", r.stdout)
		}
		if r := s.run("migrate:status", "--exit-code"); r.code != 1 {
			t.Errorf("status --exit-code with a pending migration: %s", r)
		}

		r = s.ok("migrate:history", "--json")
		var h struct {
			Table   string `json:"table"`
			Entries []struct {
				Version int64  `json:"version"`
				State   string `json:"state"`
			} `json:"entries"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &h); err != nil {
			t.Fatalf("history --json: %v\n%s", err, r)
		}
		if h.Table != "hoist_migrations" || len(h.Entries) != 1 || h.Entries[0].State != "applied" {
			t.Errorf("history --json: %s", r.stdout)
		}
		if r := s.run("migrate:history", "--reset"); r.code != 2 {
			t.Errorf("history --reset off a terminal without --force: %s", r)
		}
		s.ok("migrate:history", "--reset", "--force")
		s.ok("migrate:history")
		s.ok("migrate:history", "--delete", "--force")
		s.ok("migrate:status")
		tableExists(t, db, "hoist_migrations", false)
		tableExists(t, db, "users", true) // the schema is never touched

		// The target line names the test's database, whose name is random.
		// The target line names the test's database and server port,
		// which vary.
		dbPart, dbNew, host := "/"+lastSegment(dbURL), "/$DB", "127.0.0.1:5432"
		if dbName(db) == "sqlite" {
			dbPart, dbNew = strings.TrimPrefix(dbURL, "sqlite:"), "$DB"
		} else if u, err := url.Parse(dbURL); err == nil {
			host = u.Host
		}
		golden(t, "walkthrough/"+dbName(db), normalizeEvents(normalize(s.transcript.String(),
			s.dir, "$DIR", versions[0], "V1", versions[1], "V2", dbPart, dbNew, " "+lastSegment(dbURL)+" ", " $DB ", host, "$HOST")))
	})
}

// dbName names an engine for golden files.
func dbName(db *testkit.DB) string { return db.Dialect.Name() }

// tableExists checks whether table exists by selecting from it.
func tableExists(t *testing.T, db *testkit.DB, table string, want bool) {
	t.Helper()
	rows, err := db.DB.QueryContext(t.Context(), "SELECT 1 FROM "+table)
	if err == nil {
		rows.Close()
	}
	if got := err == nil; got != want {
		t.Errorf("table %s exists: %v, want %v (%v)", table, got, want, err)
	}
}

// TestCreateDatabase creates a missing database with migrate
// --create-database on the servers.
func TestCreateDatabase(t *testing.T) {
	for _, e := range engines[1:] {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db, dbURL := e.open(t)
			name := lastSegment(dbURL) + "_new" // testkit's names are random
			newURL := strings.Replace(dbURL, "/"+lastSegment(dbURL), "/"+name, 1)
			t.Cleanup(func() {
				if _, err := db.DB.Exec("DROP DATABASE IF EXISTS " + db.Dialect.QuoteIdent(name)); err != nil {
					t.Errorf("dropping %s: %v", name, err)
				}
			})
			s := newSession(t, "DATABASE_URL="+newURL)
			s.ok("make:migration", "create users table")
			if r := s.run("migrate:status"); r.code != 1 || !strings.Contains(r.stderr, "--create-database") {
				t.Errorf("status on a missing database should fail and point to --create-database: %s", r)
			}
			r := s.ok("migrate", "--create-database")
			if !strings.Contains(r.stdout, "created database") || !strings.Contains(r.stdout, "migrated 1 migration") {
				t.Errorf("migrate --create-database: %s", r)
			}
			r = s.ok("migrate", "--create-database")
			if strings.Contains(r.stdout, "created database") {
				t.Errorf("migrate --create-database on an existing database created it again: %s", r)
			}
		})
	}
}

// lastSegment is the database name at the end of a URL's path.
func lastSegment(u string) string {
	p, _, _ := strings.Cut(u, "?")
	return p[strings.LastIndex(p, "/")+1:]
}

// TestCreateDatabaseSQLite creates the missing directory of a SQLite
// file with migrate --create-database.
func TestCreateDatabaseSQLite(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:data/db/app.db")
	s.ok("make:migration", "create users table")
	if r := s.run("migrate"); r.code != 1 || !strings.Contains(r.stderr, "directory data/db does not exist (migrate --create-database creates it)") {
		t.Errorf("migrate without the directory: %s", r)
	}
	if r := s.ok("migrate", "--create-database"); !strings.Contains(r.stdout, "created database sqlite:data/db/app.db") {
		t.Errorf("migrate --create-database: %s", r)
	}
}
