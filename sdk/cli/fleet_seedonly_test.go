package cli_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// fleetSeedRun is the document of seed --tenants --json.
type fleetSeedRun struct {
	Pattern    string   `json:"pattern"`
	Servers    []string `json:"servers"`
	DurationMS *float64 `json:"duration_ms"`
	Tenants    []struct {
		Server     string      `json:"server"`
		Tenant     string      `json:"tenant"`
		State      string      `json:"state"`
		DurationMS *float64    `json:"duration_ms"`
		Seed       *seedDoc    `json:"seed"`
		Error      *failureDoc `json:"error"`
	} `json:"tenants"`
	Summary map[string]int `json:"summary"`
}

// TestFleetSeedCommandSchemas: seed --tenants on PostgreSQL schemas,
// migrated by migrate --tenants, runs the Once seeder on each tenant and
// migrates nothing, a line per tenant and a summary; run again, it
// skips the seeder everywhere (--json: nothing_to_seed), so it ran once
// per tenant. A schema with no migration applied fails with the seeder,
// file and line, and the error says its migrations are pending; a name
// of the list that does not exist fails as missing; an unknown seeder
// is a usage error before anything runs.
func TestFleetSeedCommandSchemas(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for i := range 3 {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA seedonly_%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	seedFiles(t, s)
	s.ok("migrate", "--tenants", "seedonly_*")

	r := s.run("seed", "--tenants", "seedonly_*", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `hoist: no seeder is named "nope"; the seeders are 01_plans`) {
		t.Fatalf("unknown seeder\n%s", r)
	}
	r = s.run("seed", "--tenants", "seedonly_*", "--concurrency", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "[1/3] seedonly_0 ran 1 seeder, skipped 0 (") ||
		!strings.Contains(r.stdout, "[3/3] seedonly_2 ran 1 seeder, skipped 0 (") ||
		!strings.HasSuffix(r.stdout, ": 3 seeded, 0 with nothing to seed\n") || strings.Contains(r.stdout, "applied") {
		t.Fatalf("first run\n%s", r)
	}
	r = s.run("seed", "--tenants", "seedonly_*", "01_plans", "--json")
	var doc fleetSeedRun
	decode(t, r, &doc)
	if r.code != 0 || doc.Pattern != "seedonly_*" || len(doc.Tenants) != 3 || doc.Summary["nothing_to_seed"] != 3 || doc.Summary["seeded"] != 0 {
		t.Fatalf("second run: %+v\n%s", doc, r)
	}
	for _, tn := range doc.Tenants {
		if tn.State != "nothing_to_seed" || tn.Seed == nil || len(tn.Seed.Ran) != 0 || strings.Join(tn.Seed.Skipped, ",") != "01_plans" || tn.Error != nil {
			t.Fatalf("second run: %s is %s, seed %+v; want nothing to seed, 01_plans skipped", tn.Tenant, tn.State, tn.Seed)
		}
		if n := rowCount(t, db, tn.Tenant+".a WHERE id = 2"); n != 1 {
			t.Fatalf("%s: the seeder's row is there %d times; want once", tn.Tenant, n)
		}
		if n := rowCount(t, db, tn.Tenant+".hoist_migrations"); n != 1 {
			t.Fatalf("%s: %d history rows; want the one migration of migrate", tn.Tenant, n)
		}
	}

	if _, err := db.DB.Exec("CREATE SCHEMA seedonly_3"); err != nil {
		t.Fatal(err)
	}
	r = s.run("seed", "--tenants", "seedonly_*", "--on-failure", "continue")
	if r.code != 1 || !strings.Contains(r.stdout, " seedonly_3 failed in seeder 01_plans (01_plans.sql:2)\n") ||
		!strings.HasSuffix(r.stdout, ": 0 seeded, 3 with nothing to seed, 1 failed\n") ||
		!strings.Contains(r.stderr, "hoist: 1 of 4 tenants failed:\n  seedonly_3: seeder 01_plans failed at 01_plans.sql:2: ") ||
		!strings.Contains(r.stderr, "the target has migrations pending, which seeding does not apply: migrate it first") {
		t.Fatalf("a tenant not migrated\n%s", r)
	}
	tableExists(t, db, "seedonly_3.a", false)
	r = s.run("seed", "--tenants", "seedonly_0,seedonly_9", "--json")
	doc = fleetSeedRun{}
	decode(t, r, &doc)
	if r.code != 1 || len(doc.Tenants) != 2 || doc.Tenants[1].Tenant != "seedonly_9" || doc.Tenants[1].State != "failed" ||
		doc.Tenants[1].Seed != nil || doc.Tenants[1].Error == nil || !strings.Contains(doc.Tenants[1].Error.Message, "does not exist: check the name in --tenants") {
		t.Fatalf("a missing tenant: %+v\n%s", doc, r)
	}
}

// TestFleetSeedCommandFailsMariaDB: on MariaDB databases, a seeder that
// fails on one tenant (its row is there already) fails that tenant,
// named with the seeder, its file and line, and exits 1: under
// --on-failure stop (one at a time) the tenant after it is not reached,
// under continue it is seeded.
func TestFleetSeedCommandFailsMariaDB(t *testing.T) {
	t.Parallel()
	server := testkit.MySQL(t)
	prefix := fmt.Sprintf("seedonly_%d_", os.Getpid())
	names := newDatabaseNames(t, server, prefix)
	s := newSession(t, "DATABASE_URL="+mysqlURL(t, server.DSN))
	seedFiles(t, s)
	s.ok("migrate", "--tenants", strings.Join(names, ","), "--create-database")
	if _, err := server.DB.Exec("INSERT INTO " + names[1] + ".a VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	r := s.run("seed", "--tenants", prefix+"*", "--concurrency", "1")
	if r.code != 1 || !strings.Contains(r.stdout, "[1/3] "+names[0]+" ran 1 seeder, skipped 0 (") ||
		!strings.Contains(r.stdout, "[2/3] "+names[1]+" failed in seeder 01_plans (01_plans.sql:2)\n") ||
		!strings.HasSuffix(r.stdout, ": 1 seeded, 0 with nothing to seed, 1 failed, 1 not reached\n") ||
		!strings.Contains(r.stderr, "hoist: 1 of 3 tenants failed:\n  "+names[1]+": seeder 01_plans failed at 01_plans.sql:2: ") ||
		!strings.Contains(r.stderr, "1 tenant not reached: the run stops at the first failure (--on-failure stop); --on-failure continue seeds the others") {
		t.Fatalf("stop\n%s", r)
	}
	if n := rowCount(t, server, names[2]+".a"); n != 0 {
		t.Fatalf("%s, not reached, has %d rows", names[2], n)
	}
	r = s.run("seed", "--tenants", prefix+"*", "--on-failure", "continue", "--json")
	var doc fleetSeedRun
	decode(t, r, &doc)
	if r.code != 1 || doc.Summary["failed"] != 1 || doc.Summary["seeded"] != 1 || doc.Summary["nothing_to_seed"] != 1 {
		t.Fatalf("continue: %+v\n%s", doc, r)
	}
	if e := doc.Tenants[1].Error; doc.Tenants[1].State != "failed" || e == nil || e.Name != "01_plans" || e.File != "01_plans.sql" || e.Line != 2 ||
		doc.Tenants[1].Seed == nil || len(doc.Tenants[1].Seed.Ran) != 0 {
		t.Fatalf("continue: %s %+v %+v", doc.Tenants[1].State, e, doc.Tenants[1].Seed)
	}
	if tn := doc.Tenants[2]; tn.State != "seeded" || tn.Seed == nil || len(tn.Seed.Ran) != 1 || tn.Seed.Ran[0].File != "01_plans.sql" {
		t.Fatalf("continue: %s is %s, seed %+v", tn.Tenant, tn.State, tn.Seed)
	}
	if n := rowCount(t, server, names[2]+".a WHERE id = 2"); n != 1 {
		t.Fatalf("%s: the seeder's row %d times; want once", names[2], n)
	}
}

// TestFleetSeedCommandConfig: with fleet.tenants in hoist.yaml, plain
// seed seeds the fleet of SQLite files (as migrate migrates it), and
// an empty --tenants seeds the database itself; the fleet flags without a
// fleet are usage errors, and a fleet without seeders says so.
func TestFleetSeedCommandConfig(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:data/app.db")
	seedFiles(t, s)
	write(t, s.dir, "hoist.yaml", "fleet:\n  tenants: \"t_*.db\"\n")
	if r := s.run("seed", "--concurrency", "2", "--tenants", ""); r.code != 2 || !strings.Contains(r.stderr, "--concurrency works on a fleet: give --tenants PATTERN too") {
		t.Fatalf("--concurrency without a fleet\n%s", r)
	}
	s.ok("migrate", "--tenants", "t_a.db,t_b.db", "--create-database")
	r := s.ok("seed")
	if !strings.Contains(r.stdout, " data/t_a.db ran 1 seeder, skipped 0 (") || !strings.Contains(r.stdout, " data/t_b.db ran 1 seeder, skipped 0 (") ||
		!strings.Contains(r.stdout, "2 tenants matching t_*.db in ") || !strings.HasSuffix(r.stdout, ": 2 seeded, 0 with nothing to seed\n") {
		t.Fatalf("seed with fleet.tenants\n%s", r)
	}
	for _, f := range []string{"t_a.db", "t_b.db"} {
		db, err := sql.Open("sqlite", filepath.Join(s.dir, "data", f))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.QueryRow("SELECT count(*) FROM a WHERE id = 2").Scan(&n)
		db.Close()
		if err != nil || n != 1 {
			t.Fatalf("%s: the seeder's row %d times (%v); want once", f, n, err)
		}
	}
	// A name of a list that matches no file fails as missing, as on the
	// other engines.
	r = s.run("seed", "--tenants", "t_a.db,t_zz.db")
	if r.code != 1 || !strings.Contains(r.stdout, " data/t_zz.db failed: does not exist\n") ||
		!strings.Contains(r.stderr, "data/t_zz.db: does not exist: check the name in --tenants t_a.db,t_zz.db") {
		t.Fatalf("a missing file\n%s", r)
	}
	s.ok("migrate", "--tenants", "")
	r = s.ok("seed", "--tenants", "")
	if !strings.Contains(r.stdout, "seeded  01_plans") || !strings.HasSuffix(r.stdout, "ran 1 seeder, skipped 0\n") || strings.Contains(r.stdout, "tenant") {
		t.Fatalf("seed --tenants '' (the database itself)\n%s", r)
	}
	if err := os.Remove(filepath.Join(s.dir, "seeds", "01_plans.sql")); err != nil {
		t.Fatal(err)
	}
	r = s.ok("seed")
	if !strings.Contains(r.stdout, "no seeders: add <name>.sql files to seeds, or run `make:seeder NAME`; nothing was seeded\n") {
		t.Fatalf("no seeders\n%s", r)
	}
	if r := s.run("seed", "01_plans"); r.code != 2 || !strings.Contains(r.stderr, `there are no seeders, so none named "01_plans"`) {
		t.Fatalf("a seeder named without seeders\n%s", r)
	}
}

// TestFleetSeedCommandServers: seed --tenants over two servers seeds
// every tenant of both, each named with its server, once.
func TestFleetSeedCommandServers(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	if err := os.MkdirAll(filepath.Join(s.dir, "seeds"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(s.dir, "seeds"), "01_plans.sql", "-- +hoist once\nINSERT INTO a VALUES (2);\n")
	if _, err := dbs[1].Exec("DROP TABLE srv_1.b"); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate", "--tenants", "srv_*", "--server", urls[0], "--server", urls[1])
	r := s.run("seed", "--tenants", "srv_*", "--server", urls[0], "--server", urls[1], "--json")
	var doc fleetSeedRun
	decode(t, r, &doc)
	if r.code != 0 || len(doc.Tenants) != 6 || doc.Summary["seeded"] != 6 || strings.Join(doc.Servers, ",") != strings.Join(names, ",") {
		t.Fatalf("run: %+v\n%s", doc, r)
	}
	for _, tn := range doc.Tenants {
		if tn.Server == "" || tn.State != "seeded" {
			t.Fatalf("%s %s: %s", tn.Server, tn.Tenant, tn.State)
		}
	}
	r = s.ok("seed", "--tenants", "srv_*", "--server", urls[0], "--server", urls[1])
	if !strings.Contains(r.stdout, " "+names[1]+" srv_2 ran 0 seeders, skipped 1\n") || !strings.Contains(r.stdout, "6 tenants matching srv_* on 2 servers in ") ||
		!strings.HasSuffix(r.stdout, ": 0 seeded, 6 with nothing to seed\n") {
		t.Fatalf("again\n%s", r)
	}
	for i, db := range dbs {
		for j := range 3 {
			var n int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM srv_%d.a WHERE id = 2", j)).Scan(&n); err != nil || n != 1 {
				t.Fatalf("server %s srv_%d: the seeder's row %d times (%v); want once", names[i], j, n, err)
			}
		}
	}
}

// TestFleetSeedMounted: an application mounts the commands with
// cli.WithFleet and a factory that gives its compiled-in Go seeder, and
// `myapp seed --tenants` runs it in each tenant schema, once: the
// seeder's unqualified INSERT lands in each tenant's table.
func TestFleetSeedMounted(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for i := range 3 {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA seedapp_%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := sdk.New(db.DB, db.Dialect, append(appMigrations(), quiet)...)
	if err != nil {
		t.Fatal(err)
	}
	gizmo := sdk.Seeder{Name: "01_gizmo", Once: true, Run: func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO widgets (id, name) VALUES (2, 'gizmo')")
		return err
	}}
	fleet := func(ctx context.Context, cfg *cli.Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
		return sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern(pattern),
			append(opts, sdk.WithTargetOptions(append(appMigrations(), quiet, sdk.WithSeeders(gizmo))...))...)
	}
	build := func() (*cobra.Command, error) { return cli.Command(m, cli.WithName("myapp"), cli.WithFleet(fleet)) }
	if out, code := execute(t, build, nil, "migrate", "--tenants", "seedapp_*"); code != 0 {
		t.Fatalf("myapp migrate --tenants: exit %d\n%s", code, out)
	}
	out, code := execute(t, build, nil, "seed", "--tenants", "seedapp_*", "01_gizmo")
	if code != 0 || !strings.Contains(out, " seedapp_1 ran 1 seeder, skipped 0 (") || !strings.HasSuffix(out, ": 3 seeded, 0 with nothing to seed\n") {
		t.Fatalf("myapp seed --tenants: exit %d\n%s", code, out)
	}
	out, code = execute(t, build, nil, "seed", "--tenants", "seedapp_*")
	if code != 0 || !strings.HasSuffix(out, ": 0 seeded, 3 with nothing to seed\n") {
		t.Fatalf("myapp seed --tenants again: exit %d\n%s", code, out)
	}
	for i := range 3 {
		if n := rowCount(t, db, fmt.Sprintf("seedapp_%d.widgets WHERE name = 'gizmo'", i)); n != 1 {
			t.Fatalf("seedapp_%d: the seeder's row %d times; want once", i, n)
		}
	}
	tableExists(t, db, "public.widgets", false)
}
