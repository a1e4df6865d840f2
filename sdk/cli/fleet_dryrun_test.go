package cli_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// dryRunFleet is the document of migrate --tenants --dry-run --json.
type dryRunFleet struct {
	Pattern string   `json:"pattern"`
	Servers []string `json:"servers"`
	DryRun  bool     `json:"dry_run"`
	Create  []string `json:"create"`
	Seeders []string `json:"seeders"`
	Tenants []struct {
		Server     string `json:"server"`
		Tenant     string `json:"tenant"`
		State      string `json:"state"`
		Batch      int    `json:"batch"`
		Migrations []struct {
			Version    int64    `json:"version"`
			Name       string   `json:"name"`
			File       string   `json:"file"`
			Direction  string   `json:"direction"`
			DurationMS float64  `json:"duration_ms"`
			SQL        []string `json:"sql"`
		} `json:"migrations"`
		LockedBy string      `json:"locked_by"`
		Error    *failureDoc `json:"error"`
	} `json:"tenants"`
	Summary map[string]int `json:"summary"`
}

// pending maps each tenant of the document to its pending versions.
func (d dryRunFleet) pending() map[string]string {
	out := map[string]string{}
	for _, tn := range d.Tenants {
		var vs []string
		for _, m := range tn.Migrations {
			vs = append(vs, fmt.Sprintf("%d:%s", m.Version, m.File))
		}
		out[tn.Server+" "+tn.Tenant] = tn.State + " " + strings.Join(vs, ",")
	}
	return out
}

// stagedFleet writes the migrations of fleetMigrations one at a time,
// migrating some tenants after each, with migrate: tenant a is left
// with 0001-0003 pending, b with 0002-0003, c with 0003, d with none.
// migrate is called with the tenants' pattern, such as "dry_[bcd]".
func stagedFleet(t *testing.T, s *session, migrate func(pattern string)) {
	t.Helper()
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- +hoist down\nDROP TABLE a;\n")
	migrate("[bcd]")
	write(t, dir, "0002_b.sql", "-- +hoist up\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
	migrate("[cd]")
	write(t, dir, "0003_c.sql", "-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE c;\n")
	migrate("d")
}

// catalogCount counts what PostgreSQL knows of the schemas whose names
// start with prefix: schemas, relations, functions and triggers, and
// the rows of their history tables; a dry run must change none of it.
func catalogCount(t *testing.T, db *testkit.DB, prefix string) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT count(*) FROM pg_namespace WHERE nspname LIKE '" + prefix + "%'",
		"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE '" + prefix + "%' OR n.nspname = 'public'",
		"SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname LIKE '" + prefix + "%' OR n.nspname = 'public'",
		"SELECT count(*) FROM pg_trigger",
	} {
		var n int
		if err := db.DB.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprint(n))
	}
	for _, s := range []string{"b", "c", "d"} {
		out = append(out, fmt.Sprint(rowCount(t, db, prefix+s+".hoist_migrations")))
	}
	return strings.Join(out, " ")
}

// TestFleetDryRunSchemas: migrate --tenants --dry-run on PostgreSQL
// schemas in different states prints exactly what each tenant would
// run, the SQL once, and a summary; the JSON document lists each
// tenant's pending migrations with their SQL; neither executes
// anything (the catalog and the history tables are as they were), nor
// waits for a tenant whose lock another session holds. The run that
// follows applies what the dry run listed.
func TestFleetDryRunSchemas(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for _, s := range []string{"a", "b", "c", "d"} {
		if _, err := db.DB.Exec("CREATE SCHEMA dry_" + s); err != nil {
			t.Fatal(err)
		}
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	stagedFleet(t, s, func(p string) { s.ok("migrate", "--tenants", "dry_"+p) })
	before := catalogCount(t, db, "dry_")

	conn, err := db.DB.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := db.Dialect.NewLock(conn, "dry_c.hoist_migrations")
	if ok, err := lock.TryAcquire(t.Context()); err != nil || !ok {
		t.Fatalf("taking the lock of dry_c: %v %v", ok, err)
	}

	r := s.ok("migrate", "--tenants", "dry_*", "--dry-run")
	lockedBy := ""
	if m := regexp.MustCompile(`\ndry_c: would apply 1 migration as batch 3 \(locked now by (.+): the run would wait for it\)\n`).FindStringSubmatch(r.stdout); m != nil {
		lockedBy = m[1]
	}
	want := `dry_a: would apply 3 migrations as batch 1
  up   1 a (0001_a.sql)
       CREATE TABLE a (id INT PRIMARY KEY);
  up   2 b (0002_b.sql)
       INSERT INTO a VALUES (1);
       CREATE TABLE b (id INT);
  up   3 c (0003_c.sql)
       CREATE TABLE c (id INT);
dry_b: would apply 2 migrations as batch 2
  up   2 b (0002_b.sql)
       -- SQL as shown for dry_a
  up   3 c (0003_c.sql)
       -- SQL as shown for dry_a
dry_c: would apply 1 migration as batch 3 (locked now by ` + lockedBy + `: the run would wait for it)
  up   3 c (0003_c.sql)
       -- SQL as shown for dry_a
4 tenants matching dry_* (dry run: nothing was executed): 6 pending migrations on 3 tenants, 1 up to date
`
	if !strings.HasPrefix(lockedBy, "pid ") || r.stdout != want {
		t.Errorf("dry run: got\n%s\nwant\n%s", r.stdout, want)
	}

	r = s.ok("migrate", "--tenants", "dry_*", "--dry-run", "--json")
	var doc dryRunFleet
	decode(t, r, &doc)
	got := doc.pending()
	for tenant, w := range map[string]string{
		" dry_a": "pending 1:0001_a.sql,2:0002_b.sql,3:0003_c.sql", " dry_b": "pending 2:0002_b.sql,3:0003_c.sql",
		" dry_c": "pending 3:0003_c.sql", " dry_d": "up_to_date ",
	} {
		if got[tenant] != w {
			t.Errorf("%s: %q, want %q", tenant, got[tenant], w)
		}
	}
	if doc.Pattern != "dry_*" || !doc.DryRun || doc.Servers != nil || len(doc.Tenants) != 4 ||
		fmt.Sprint(doc.Summary) != "map[failed:0 migrations:6 no_schema:0 pending:3 tenants:4 up_to_date:1]" {
		t.Errorf("document: %+v", doc)
	}
	if a := doc.Tenants[0]; a.Batch != 1 || strings.Join(a.Migrations[1].SQL, "; ") != "INSERT INTO a VALUES (1); CREATE TABLE b (id INT)" ||
		a.Migrations[1].Direction != "up" || a.LockedBy != "" || a.Error != nil {
		t.Errorf("dry_a: %+v", a)
	}
	if c := doc.Tenants[2]; c.Batch != 3 || c.LockedBy != lockedBy || len(c.Migrations[0].SQL) != 1 {
		t.Errorf("dry_c: %+v", c)
	}
	if after := catalogCount(t, db, "dry_"); after != before {
		t.Errorf("the dry runs changed the catalog or the histories: %s before, %s after", before, after)
	}
	tableExists(t, db, "dry_a.hoist_migrations", false)
	tableExists(t, db, "public.hoist_migrations", false)

	lock.Release(t.Context())
	r = s.ok("migrate", "--tenants", "dry_*")
	if !strings.HasSuffix(r.stdout, ": 3 applied, 1 up to date\n") {
		t.Errorf("the run after the dry run: %s", r)
	}
	r = s.ok("migrate", "--tenants", "dry_*", "--dry-run")
	if r.stdout != "4 tenants matching dry_* (dry run: nothing was executed): 0 pending migrations on 0 tenants, 4 up to date\n" {
		t.Errorf("dry run of an up-to-date fleet: %s", r)
	}
}

// TestFleetDryRunMariaDB: on MariaDB databases in different states the
// dry run lists each one's pending migrations and leaves the histories
// as they were; a tenant the run would fail on (a failed migration in
// its history) is listed with why, and the exit status is 1.
func TestFleetDryRunMariaDB(t *testing.T) {
	t.Parallel()
	server := testkit.MySQL(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "drydb_" + hex.EncodeToString(b) + "_"
	for _, s := range []string{"a", "b", "c", "d"} {
		name := prefix + s
		if _, err := server.DB.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := server.DB.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		})
	}
	s := newSession(t, "DATABASE_URL="+mysqlURL(t, server.DSN))
	stagedFleet(t, s, func(p string) { s.ok("migrate", "--tenants", prefix+p) })
	counts := func() string {
		var out []string
		for _, x := range []string{"b", "c", "d"} {
			out = append(out, fmt.Sprint(rowCount(t, server, prefix+x+".hoist_migrations")))
		}
		var n int
		if err := server.DB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE '" + prefix + "%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ") + fmt.Sprintf(" tables %d", n)
	}
	before := counts()

	r := s.ok("migrate", "--tenants", prefix+"*", "--dry-run")
	want := prefix + `a: would apply 3 migrations as batch 1
  up   1 a (0001_a.sql)
       CREATE TABLE a (id INT PRIMARY KEY);
  up   2 b (0002_b.sql)
       INSERT INTO a VALUES (1);
       CREATE TABLE b (id INT);
  up   3 c (0003_c.sql)
       CREATE TABLE c (id INT);
` + prefix + `b: would apply 2 migrations as batch 2
  up   2 b (0002_b.sql)
       -- SQL as shown for ` + prefix + `a
  up   3 c (0003_c.sql)
       -- SQL as shown for ` + prefix + `a
` + prefix + `c: would apply 1 migration as batch 3
  up   3 c (0003_c.sql)
       -- SQL as shown for ` + prefix + `a
4 tenants matching ` + prefix + `* (dry run: nothing was executed): 6 pending migrations on 3 tenants, 1 up to date
`
	if r.stdout != want {
		t.Errorf("dry run: got\n%s\nwant\n%s", r.stdout, want)
	}
	r = s.ok("migrate", "--tenants", prefix+"*", "--dry-run", "--json")
	var doc dryRunFleet
	decode(t, r, &doc)
	got := doc.pending()
	for tenant, w := range map[string]string{
		" " + prefix + "a": "pending 1:0001_a.sql,2:0002_b.sql,3:0003_c.sql", " " + prefix + "b": "pending 2:0002_b.sql,3:0003_c.sql",
		" " + prefix + "c": "pending 3:0003_c.sql", " " + prefix + "d": "up_to_date ",
	} {
		if got[tenant] != w {
			t.Errorf("%s: %q, want %q", tenant, got[tenant], w)
		}
	}
	if fmt.Sprint(doc.Summary) != "map[failed:0 migrations:6 no_schema:0 pending:3 tenants:4 up_to_date:1]" {
		t.Errorf("summary: %v", doc.Summary)
	}
	if after := counts(); after != before {
		t.Errorf("the dry runs changed the histories or tables: %s before, %s after", before, after)
	}

	// A failed migration in b's history: the run would stop there.
	if _, err := server.DB.Exec("INSERT INTO " + prefix + "b.hoist_migrations (version, name, checksum, batch, applied_at, execution_ms, state) " +
		"VALUES (2, 'b', '', 2, NOW(), 0, 'failed')"); err != nil {
		t.Fatal(err)
	}
	r = s.run("migrate", "--tenants", prefix+"*", "--dry-run")
	if r.code != 1 || !strings.Contains(r.stdout, "\n"+prefix+"b: would fail: ") ||
		!strings.HasSuffix(r.stdout, ": 4 pending migrations on 2 tenants, 1 up to date, 1 would fail\n") ||
		!strings.HasSuffix(r.stderr, "\nhoist: migrate --tenants would fail on 1 of 4 tenants (listed above)\n") {
		t.Errorf("dry run of a failed tenant: %s", r)
	}
}

// TestFleetDryRunServers: with --server twice the dry run lists the
// tenants of both servers, each named with its server, the summary
// counts them together, and the JSON document names the servers; after
// a run that migrated the first server only, the two servers show
// different pending sets. Nothing is executed on either.
func TestFleetDryRunServers(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	args := []string{"--tenants", "srv_*", "--server", urls[0], "--server", urls[1]}
	s.ok("migrate", "--tenants", "srv_[02]", "--server", urls[0])

	r := s.ok(append([]string{"migrate", "--dry-run"}, args...)...)
	sqlA := "       CREATE TABLE a (id INT PRIMARY KEY);\n"
	sqlB := "       INSERT INTO a VALUES (1);\n       CREATE TABLE b (id INT);\n"
	sqlC := "       CREATE TABLE c (id INT);\n"
	as := func(tenant string) string { return "       -- SQL as shown for " + tenant + "\n" }
	first := names[0] + " srv_1"
	want := first + ": would apply 3 migrations as batch 1\n  up   1 a (0001_a.sql)\n" + sqlA + "  up   2 b (0002_b.sql)\n" + sqlB + "  up   3 c (0003_c.sql)\n" + sqlC
	for i := range 3 {
		want += names[1] + fmt.Sprintf(" srv_%d", i) + ": would apply 3 migrations as batch 1\n  up   1 a (0001_a.sql)\n" + as(first) +
			"  up   2 b (0002_b.sql)\n" + as(first) + "  up   3 c (0003_c.sql)\n" + as(first)
	}
	want += "6 tenants matching srv_* on 2 servers (dry run: nothing was executed): 12 pending migrations on 4 tenants, 2 up to date\n"
	if r.stdout != want {
		t.Errorf("dry run: got\n%s\nwant\n%s", r.stdout, want)
	}

	r = s.ok(append([]string{"migrate", "--dry-run", "--json"}, args...)...)
	var doc dryRunFleet
	decode(t, r, &doc)
	if len(doc.Servers) != 2 || doc.Servers[0] != names[0] || doc.Servers[1] != names[1] || len(doc.Tenants) != 6 ||
		doc.Summary["pending"] != 4 || doc.Summary["up_to_date"] != 2 || doc.Summary["migrations"] != 12 {
		t.Fatalf("document: %+v", doc)
	}
	got := doc.pending()
	for i := range 3 {
		w0, w1 := "up_to_date ", "pending 1:0001_a.sql,2:0002_b.sql,3:0003_c.sql"
		if i == 1 {
			w0 = w1
		}
		for j, w := range []string{w0, w1} {
			if key := fmt.Sprintf("%s srv_%d", names[j], i); got[key] != w {
				t.Errorf("%s: %q, want %q", key, got[key], w)
			}
		}
	}
	var n int
	if err := dbs[1].QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'srv\\_%'").Scan(&n); err != nil || n != 1 {
		t.Errorf("the second server has %d tables in its tenants (%v), want 1 (srv_1.b): the dry run executed something", n, err)
	}
}

// TestFleetDryRunDatabases: the dry run on a fleet of PostgreSQL
// databases and one of SQLite files, which are read each through a pool
// of its own: before any run every tenant has the three migrations
// pending; after a run in which one tenant failed (its transaction
// undid migration 2), that one alone has 2 and 3 pending. On SQLite the
// directory holds the same files before and after a dry run: no lock
// file, no journal, no tenant created.
func TestFleetDryRunDatabases(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, s *session, pattern string, n int, failing string) {
		t.Helper()
		r := s.ok("migrate", "--tenants", pattern, "--dry-run", "--json")
		var doc dryRunFleet
		decode(t, r, &doc)
		if len(doc.Tenants) != n || doc.Summary["pending"] != n || doc.Summary["migrations"] != 3*n {
			t.Fatalf("before: %+v", doc)
		}
		for tenant, p := range doc.pending() {
			if p != "pending 1:0001_a.sql,2:0002_b.sql,3:0003_c.sql" {
				t.Errorf("before: %s: %q", tenant, p)
			}
		}
		if r := s.run("migrate", "--tenants", pattern, "--on-failure", "continue"); r.code != 1 {
			t.Fatalf("migrate: want exit 1\n%s", r)
		}
		r = s.ok("migrate", "--tenants", pattern, "--dry-run")
		want := failing + ": would apply 2 migrations as batch 2\n  up   2 b (0002_b.sql)\n       INSERT INTO a VALUES (1);\n       CREATE TABLE b (id INT);\n" +
			"  up   3 c (0003_c.sql)\n       CREATE TABLE c (id INT);\n" +
			fmt.Sprintf("%d tenants matching %s (dry run: nothing was executed): 2 pending migrations on 1 tenant, %d up to date\n", n, pattern, n-1)
		if r.stdout != want {
			t.Errorf("after: got\n%s\nwant\n%s", r.stdout, want)
		}
	}
	t.Run("postgres_databases", func(t *testing.T) {
		t.Parallel()
		s, prefix := postgresFleet(t)
		check(t, s, prefix+"*", fleetDBTenants, fmt.Sprintf("%s%d", prefix, fleetDBFailing))
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := sqliteFleet(t)
		files := func() string {
			entries, err := os.ReadDir(filepath.Join(s.dir, "tenants"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return strings.Join(names, " ")
		}
		before := files()
		s.ok("migrate", "--tenants", "t_*.db", "--dry-run")
		if after := files(); after != before {
			t.Errorf("the dry run changed tenants/: %s before, %s after", before, after)
		}
		check(t, s, "t_*.db", fleetDBTenants-1, filepath.Join("tenants", fmt.Sprintf("t_%d.db", fleetDBFailing)))
	})
}
