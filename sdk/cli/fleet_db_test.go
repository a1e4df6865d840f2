package cli_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// fleetDBTenants is the size of the fleets of databases and files these
// tests migrate; the tenant numbered fleetDBFailing fails.
const (
	fleetDBTenants = 6
	fleetDBFailing = 3
)

// fleetMigrations writes three migrations to the session's migrations
// directory; the second fails on a tenant that has a table b already.
func fleetMigrations(t *testing.T, s *session) {
	t.Helper()
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- +hoist down\nDROP TABLE a;\n")
	write(t, dir, "0002_b.sql", "-- +hoist up\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
	write(t, dir, "0003_c.sql", "-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE c;\n")
}

// mariaDBFleet creates the databases fleetdb_<random>_0 ... _5 on the
// MySQL server of the tests, dropped when the test ends, the failing
// one with a table b of its own; it returns their common prefix and a
// session whose DATABASE_URL is a testkit database of that server.
func mariaDBFleet(t *testing.T) (*session, *testkit.DB, string) {
	t.Helper()
	server := testkit.MySQL(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "fleetdb_" + hex.EncodeToString(b) + "_"
	for i := range fleetDBTenants {
		name := fmt.Sprintf("%s%d", prefix, i)
		if _, err := server.DB.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := server.DB.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		})
	}
	if _, err := server.DB.Exec(fmt.Sprintf("CREATE TABLE %s%d.b (id INT)", prefix, fleetDBFailing)); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, "DATABASE_URL="+mysqlURL(t, server.DSN))
	fleetMigrations(t, s)
	return s, server, prefix
}

// postgresFleet creates the databases fleetdb_<random>_0 ... _5 on the
// PostgreSQL server of the tests, dropped when the test ends, the failing
// one with a table b of its own; the session's DATABASE_URL is a
// testkit database of that server, which lists them.
func postgresFleet(t *testing.T) (*session, string) {
	t.Helper()
	server := testkit.Postgres(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "fleetdb_" + hex.EncodeToString(b) + "_"
	for i := range fleetDBTenants {
		name := fmt.Sprintf("%s%d", prefix, i)
		if _, err := server.DB.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := server.DB.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		})
	}
	u, err := url.Parse(server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/%s%d", prefix, fleetDBFailing)
	failing, err := sql.Open(server.Driver, u.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = failing.Exec("CREATE TABLE b (id INT)")
	failing.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, "DATABASE_URL="+server.DSN, "HOIST_FLEET_KIND=databases")
	fleetMigrations(t, s)
	return s, prefix
}

// sqliteFleet creates the files tenants/t_0.db ... t_4.db in a
// session's directory, the failing one with a table b of its own; the
// session's DATABASE_URL is sqlite:tenants/, the directory the pattern
// is read in.
func sqliteFleet(t *testing.T) *session {
	t.Helper()
	s := newSession(t, "DATABASE_URL=sqlite:tenants/")
	dir := filepath.Join(s.dir, "tenants")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range fleetDBTenants - 1 {
		db, err := sql.Open("sqlite", filepath.Join(dir, fmt.Sprintf("t_%d.db", i)))
		if err != nil {
			t.Fatal(err)
		}
		q := "CREATE TABLE keep (id INT)"
		if i == fleetDBFailing {
			q = "CREATE TABLE b (id INT)"
		}
		_, err = db.Exec(q)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	write(t, dir, "notes.txt", "not a tenant\n")
	fleetMigrations(t, s)
	return s
}

// TestFleetDatabases: migrate --tenants on a fleet of MariaDB databases,
// one of PostgreSQL databases (HOIST_FLEET_KIND=databases) and one of
// SQLite files, under --on-failure continue: every tenant but
// the failing one is complete, the failing one is listed with its file
// and line and the exit status is 1; migrate:status --tenants shows the
// matrix and the JSON document, and a pattern that matches nothing is
// exit status 1.
func TestFleetDatabases(t *testing.T) {
	t.Parallel()
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		s, server, prefix := mariaDBFleet(t)
		failing := fmt.Sprintf("%s%d", prefix, fleetDBFailing)
		checkFleetOfDatabases(t, s, prefix+"*", fleetDBTenants, failing, "failed")
		// The failed tenant's history keeps migration 2 failed, as
		// MySQL cannot undo its DDL; the others have all three.
		var n int
		if err := server.DB.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s0.hoist_migrations", prefix)).Scan(&n); err != nil || n != 3 {
			t.Errorf("%s0 has %d history rows (%v), want 3", prefix, n, err)
		}
		// The database of the URL is not a tenant and is left alone.
		tableExists(t, server, "hoist_migrations", false)
	})
	t.Run("postgres_databases", func(t *testing.T) {
		t.Parallel()
		s, prefix := postgresFleet(t)
		checkFleetOfDatabases(t, s, prefix+"*", fleetDBTenants, fmt.Sprintf("%s%d", prefix, fleetDBFailing), "pending")
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := sqliteFleet(t)
		checkFleetOfDatabases(t, s, "t_*.db", fleetDBTenants-1, filepath.Join("tenants", fmt.Sprintf("t_%d.db", fleetDBFailing)), "pending")
		// The URL names a directory: no file was created in it but
		// hoist's lock files, which t_* does not take for tenants.
		dbs, err := filepath.Glob(filepath.Join(s.dir, "tenants", "*.db"))
		if err != nil || len(dbs) != fleetDBTenants-1 {
			t.Errorf("tenants/ holds %v (%v), want the %d files", dbs, err, fleetDBTenants-1)
		}
		r := s.run("migrate:status", "--tenants", "t_*", "--json")
		var st fleetStatus
		decode(t, r, &st)
		if r.code != 0 || len(st.Tenants) != fleetDBTenants-1 {
			t.Errorf("t_* matches %d tenants, want %d\n%s", len(st.Tenants), fleetDBTenants-1, r)
		}
	})
}

// checkFleetOfDatabases runs the fleet commands on the fleet of pattern,
// of n tenants one of which, failing, fails at migration 2, after which
// its state is failedState.
func checkFleetOfDatabases(t *testing.T, s *session, pattern string, n int, failing, failedState string) {
	t.Helper()
	r := s.run("migrate:status", "--tenants", pattern, "--json")
	var st fleetStatus
	decode(t, r, &st)
	if r.code != 0 || st.Pattern != pattern || len(st.Tenants) != n || st.Summary["pending"] != n || st.Tenants[0].Pending != 3 {
		t.Fatalf("status before: %+v\n%s", st, r)
	}

	r = s.run("migrate", "--tenants", pattern, "--on-failure", "continue", "--concurrency", "3")
	if r.code != 1 {
		t.Fatalf("migrate: want exit 1\n%s", r)
	}
	for _, want := range []string{fmt.Sprintf("hoist: 1 of %d tenants failed:\n", n), "\n  " + failing + ": migration 2 b up failed at 0002_b.sql:3: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, r)
		}
	}
	for _, want := range []string{" " + failing + " failed at 2 b (0002_b.sql:3)\n", fmt.Sprintf("%d tenants matching %s in ", n, pattern),
		fmt.Sprintf(": %d applied, 0 up to date, 1 failed\n", n-1)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q\n%s", want, r)
		}
	}
	if strings.Contains(r.stderr, "not reached") {
		t.Errorf("a tenant was not reached\n%s", r)
	}

	r = s.run("migrate:status", "--tenants", pattern)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("%d tenants: %d up to date, 1 %s", n, n-1, failedState)) {
		t.Errorf("status matrix: want %d up to date and 1 %s\n%s", n-1, failedState, r)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, failing+" ") && !strings.Contains(l, map[string]string{"failed": "failed at 2", "pending": "pending 2"}[failedState]) {
			t.Errorf("the failing tenant's row: %q\n%s", l, r)
		}
	}
	r = s.run("migrate:status", "--tenants", pattern, "--json", "--exit-code")
	st = fleetStatus{}
	decode(t, r, &st)
	if r.code != 1 || st.Summary["up_to_date"] != n-1 || st.Summary[failedState] != 1 {
		t.Errorf("status after: %+v\n%s", st.Summary, r)
	}
	for _, tn := range st.Tenants {
		switch {
		case tn.Tenant == failing && (tn.State != failedState || failedState == "failed" && tn.FailedAt != 2 || failedState == "pending" && tn.Pending != 2):
			t.Errorf("%s: %+v", tn.Tenant, tn)
		case tn.Tenant != failing && tn.State != "up_to_date":
			t.Errorf("%s is %s, want up_to_date", tn.Tenant, tn.State)
		}
	}

	r = s.run("migrate", "--tenants", "nobody_*")
	if r.code != 1 || !strings.Contains(r.stderr, "hoist: no tenant matches the pattern nobody_* (given by --tenants): nothing was migrated") {
		t.Errorf("a pattern that matches nothing: want exit 1\n%s", r)
	}
}
