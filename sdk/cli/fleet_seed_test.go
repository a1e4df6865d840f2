package cli_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// seedFiles writes one migration, creating a, and one Once seeder,
// 01_plans, inserting the row 2 into a, to the session's directories.
func seedFiles(t *testing.T, s *session) {
	t.Helper()
	for _, dir := range []string{"migrations", "seeds"} {
		if err := os.MkdirAll(filepath.Join(s.dir, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(s.dir, "migrations"), "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- +hoist down\nDROP TABLE a;\n")
	write(t, filepath.Join(s.dir, "seeds"), "01_plans.sql", "-- +hoist once\nINSERT INTO a VALUES (2);\n")
}

// TestFleetMigrateSeedSchemas: migrate --tenants --seed on PostgreSQL
// schemas runs the Once seeder on each tenant after migrating it, says
// so on each tenant's line and in the summary; a second run finds every
// tenant up to date, seeds each again and skips the seeder, so it ran
// once per tenant. --dry-run --seed says which seeders would run.
func TestFleetMigrateSeedSchemas(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for i := range 3 {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA seedcmd_%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	seedFiles(t, s)

	r := s.run("migrate", "--tenants", "seedcmd_*", "--seed", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "\nthen would run on each tenant the seeders: 01_plans (a once seeder only where it has not run)\n") {
		t.Fatalf("dry run\n%s", r)
	}
	r = s.run("migrate", "--tenants", "seedcmd_*", "--seed", "--concurrency", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "[1/3] seedcmd_0 applied 1 migration (") || !strings.Contains(r.stdout, "); ran 1 seeder, skipped 0\n") ||
		!strings.HasSuffix(r.stdout, ": 3 applied, 0 up to date, seeders ran on 3\n") {
		t.Fatalf("first run\n%s", r)
	}
	r = s.run("migrate", "--tenants", "seedcmd_*", "--seed", "--json")
	var doc fleetRun
	decode(t, r, &doc)
	if r.code != 0 || len(doc.Tenants) != 3 || doc.Summary["up_to_date"] != 3 || doc.Summary["seeded"] != 0 {
		t.Fatalf("second run: %+v\n%s", doc, r)
	}
	for _, tn := range doc.Tenants {
		if tn.State != "up_to_date" || tn.Seed == nil || len(tn.Seed.Ran) != 0 || strings.Join(tn.Seed.Skipped, ",") != "01_plans" {
			t.Fatalf("second run: %s is %s, seed %+v; want up to date, 01_plans skipped", tn.Tenant, tn.State, tn.Seed)
		}
		var n int
		if err := db.DB.QueryRow("SELECT count(*) FROM " + tn.Tenant + ".a WHERE id = 2").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: the seeder's row is there %d times (%v); want once", tn.Tenant, n, err)
		}
	}
	r = s.run("migrate", "--tenants", "seedcmd_*", "--json")
	doc = fleetRun{}
	decode(t, r, &doc)
	if r.code != 0 || doc.Tenants[0].Seed != nil {
		t.Fatalf("without --seed: %+v\n%s", doc, r)
	}
}

// TestFleetMigrateSeedFailsSQLite: on SQLite files created by
// --create-database, a seeder that fails on one tenant (its row is
// there already) fails that tenant, named with the seeder, its file and
// line, and exits 1: under --on-failure stop the tenant after it is not
// reached, under continue it is seeded.
func TestFleetMigrateSeedFailsSQLite(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:tenants/")
	seedFiles(t, s)
	r := s.run("migrate", "--tenants", "t_a.db,t_b.db,t_c.db", "--create-database")
	if r.code != 0 || !strings.Contains(r.stdout, "created file tenants/t_b.db\n") || !strings.HasSuffix(r.stdout, ": 3 applied, 0 up to date\n") {
		t.Fatalf("create\n%s", r)
	}
	db, err := sql.Open("sqlite", filepath.Join(s.dir, "tenants", "t_b.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO a VALUES (2)")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = s.run("migrate", "--tenants", "t_*.db", "--seed", "--concurrency", "1")
	if r.code != 1 || !strings.Contains(r.stdout, "[2/3] tenants/t_b.db up to date; failed in seeder 01_plans (01_plans.sql:2)\n") ||
		!strings.Contains(r.stderr, "hoist: 1 of 3 tenants failed:\n  tenants/t_b.db: seeder 01_plans failed at 01_plans.sql:2: ") ||
		!strings.Contains(r.stderr, "1 tenant not reached: the run stops at the first failure") {
		t.Fatalf("stop\n%s", r)
	}
	r = s.run("migrate", "--tenants", "t_*.db", "--seed", "--on-failure", "continue", "--json")
	var doc fleetRun
	decode(t, r, &doc)
	if r.code != 1 || doc.Summary["failed"] != 1 || doc.Tenants[1].Error == nil || doc.Tenants[1].Error.Name != "01_plans" ||
		doc.Tenants[1].Seed == nil || len(doc.Tenants[1].Seed.Ran) != 0 || doc.Tenants[2].Seed == nil || len(doc.Tenants[2].Seed.Ran) != 1 {
		t.Fatalf("continue: %+v\n%s", doc, r)
	}
}

// TestFleetCreateDatabase: migrate --tenants NAME,NAME,NAME
// --create-database creates the three schemas and migrates them, and
// migrate:status then shows them up to date; run again it creates
// nothing. --dry-run says which it would create and creates nothing. A
// pattern with a wildcard, or several servers, is a usage error.
func TestFleetCreateDatabase(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	s := newSession(t, "DATABASE_URL="+db.DSN)
	seedFiles(t, s)
	names := "newcmd_a,newcmd_b,newcmd_c"

	r := s.run("migrate", "--tenants", "newcmd_b,newcmd_d", "--create-database", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "newcmd_b: would create the schema, then apply 1 migration as batch 1\nnewcmd_d: would create the schema") {
		t.Fatalf("dry run\n%s", r)
	}
	var n int
	if err := db.DB.QueryRow("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'newcmd%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the dry run created %d schemas (%v)", n, err)
	}
	r = s.run("migrate", "--tenants", names, "--create-database", "--seed")
	for _, want := range []string{"created schema newcmd_a\ncreated schema newcmd_b\ncreated schema newcmd_c\n",
		"3 tenants matching " + names + " in ", ": 3 applied, 0 up to date, seeders ran on 3\n"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("stdout lacks %q\n%s", want, r)
		}
	}
	r = s.run("migrate:status", "--tenants", "newcmd_*", "--json")
	var st fleetStatus
	decode(t, r, &st)
	if r.code != 0 || len(st.Tenants) != 3 || st.Summary["up_to_date"] != 3 {
		t.Fatalf("status: %+v\n%s", st, r)
	}
	r = s.run("migrate", "--tenants", names, "--create-database", "--json")
	var doc fleetRun
	decode(t, r, &doc)
	if r.code != 0 || doc.Summary["up_to_date"] != 3 || doc.Tenants[0].Created {
		t.Fatalf("again: %+v\n%s", doc, r)
	}

	r = s.run("migrate", "--tenants", "newcmd_a,newcmd_*", "--create-database")
	if r.code != 2 || !strings.Contains(r.stderr, "--create-database creates the tenants named by --tenants, but newcmd_a,newcmd_* (given by --tenants) is a pattern, which names no tenant to create") {
		t.Fatalf("wildcard\n%s", r)
	}
	r = s.run("migrate", "--tenants", "newcmd_e", "--create-database", "--server", "postgres://app@127.0.0.1:1/a", "--server", "postgres://app@127.0.0.1:1/b")
	if r.code != 2 || !strings.Contains(r.stderr, "--create-database creates each tenant on one server, and --server gives 2") {
		t.Fatalf("several servers\n%s", r)
	}
	r = s.run("migrate", "--tenants", "newcmd_a,,newcmd_b")
	if r.code != 2 || !strings.Contains(r.stderr, "has an empty pattern between commas") {
		t.Fatalf("empty pattern\n%s", r)
	}
}

// TestFleetCreateDatabaseMariaDB: --create-database creates three
// MariaDB databases of the server and migrates them.
func TestFleetCreateDatabaseMariaDB(t *testing.T) {
	t.Parallel()
	server := testkit.MySQL(t)
	prefix := fmt.Sprintf("newdb_%d_", os.Getpid())
	names := newDatabaseNames(t, server, prefix)
	s := newSession(t, "DATABASE_URL="+mysqlURL(t, server.DSN))
	seedFiles(t, s)
	r := s.run("migrate", "--tenants", strings.Join(names, ","), "--create-database", "--seed")
	if r.code != 0 || !strings.Contains(r.stdout, "created database "+names[2]+"\n") || !strings.HasSuffix(r.stdout, ": 3 applied, 0 up to date, seeders ran on 3\n") {
		t.Fatalf("create\n%s", r)
	}
	r = s.run("migrate:status", "--tenants", prefix+"*", "--exit-code")
	if r.code != 0 || !strings.Contains(r.stdout, "3 tenants: 3 up to date") {
		t.Fatalf("status\n%s", r)
	}
}

// TestFleetServersSeed: migrate --tenants --seed over two servers seeds
// every tenant that migrated on either server, each once, and not the
// tenant whose migration failed.
func TestFleetServersSeed(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	if err := os.MkdirAll(filepath.Join(s.dir, "seeds"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(s.dir, "seeds"), "01_plans.sql", "-- +hoist once\nINSERT INTO a VALUES (2);\n")
	r := s.run("migrate", "--tenants", "srv_*", "--server", urls[0], "--server", urls[1], "--seed", "--on-failure", "continue", "--json")
	var doc serverRun
	decode(t, r, &doc)
	if r.code != 1 || len(doc.Tenants) != 6 || doc.Summary["failed"] != 1 || doc.Summary["seeded"] != 5 {
		t.Fatalf("run: %+v\n%s", doc, r)
	}
	for _, tn := range doc.Tenants {
		failed := tn.Server == names[1] && tn.Tenant == "srv_1"
		if failed != (tn.Seed == nil) || (!failed && len(tn.Seed.Ran) != 1) {
			t.Fatalf("%s %s: %s, seed %+v", tn.Server, tn.Tenant, tn.State, tn.Seed)
		}
	}
	for i, db := range dbs {
		for j := range 3 {
			if i == 1 && j == 1 {
				continue
			}
			var n int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM srv_%d.a WHERE id = 2", j)).Scan(&n); err != nil || n != 1 {
				t.Fatalf("server %s srv_%d: the seeder's row %d times (%v); want once", names[i], j, n, err)
			}
		}
	}
}

// newDatabaseNames names three databases of server, prefix then a, b
// and c, that do not exist yet and are dropped when the test ends.
func newDatabaseNames(t *testing.T, server *testkit.DB, prefix string) []string {
	t.Helper()
	var names []string
	for _, x := range []string{"a", "b", "c"} {
		name := prefix + x
		names = append(names, name)
		t.Cleanup(func() {
			if _, err := server.DB.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		})
	}
	return names
}
