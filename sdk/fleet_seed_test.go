package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleWithFleetSeeding migrates every tenant schema at boot and runs
// its seeders right after: the Once seeders run once per tenant, and a
// seeder that fails fails its tenant.
func ExampleWithFleetSeeding() {
	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS), sdk.WithSeedFS(seedsFS)),
		sdk.WithFleetSeeding())
	if err != nil {
		log.Fatal(err)
	}
	res, err := fleet.Up(context.Background())
	for _, t := range res.Targets {
		if t.Seed != nil {
			log.Printf("%s: %v, %d seeders ran, %d skipped", t.Target, t.State, len(t.Seed.Ran), len(t.Seed.Skipped))
		}
	}
	if err != nil {
		log.Fatal(err)
	}
}

// ExampleFleet_Create creates the schemas of new tenants, then migrates
// them (and only them) as one fleet.
func ExampleFleet_Create() {
	ctx := context.Background()
	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	tenants := []string{"tenant_acme", "tenant_globex"}
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetList(tenants...),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)))
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tenants {
		if created, err := fleet.Create(ctx, t); err != nil {
			log.Fatal(err)
		} else if created {
			log.Printf("created schema %s", t)
		}
	}
	if _, err := fleet.Up(ctx); err != nil {
		log.Fatal(err)
	}
}

// ExampleFleets_Ensure creates a new tenant on the server it belongs
// to, migrated and seeded, in one call.
func ExampleFleets_Ensure() {
	var servers []sdk.FleetServer
	for _, host := range []string{"db1:5432", "db2:5432"} {
		db, err := sql.Open("pgx", "postgres://app@"+host+"/app")
		if err != nil {
			log.Fatal(err)
		}
		fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
			sdk.WithTargetOptions(sdk.WithFS(migrationsFS), sdk.WithSeedFS(seedsFS)))
		if err != nil {
			log.Fatal(err)
		}
		servers = append(servers, sdk.FleetServer{Name: host, Fleet: fleet})
	}
	fleets, err := sdk.NewFleets(servers)
	if err != nil {
		log.Fatal(err)
	}
	// The application put the new tenant on db2.
	if _, err := fleets.Ensure(context.Background(), "db2:5432", "tenant_initech"); err != nil {
		log.Fatal(err)
	}
}

// seedsFS stands in for an embed.FS of seeders.
var seedsFS = fstest.MapFS{"01_plans.sql": {Data: []byte("-- +hoist once\nINSERT INTO plans (name) VALUES ('free');\n")}}

// fleetSeeds are the seeders of the seeding tests: 01_plans, a Once
// seeder that inserts a row into tags (created by lifecycleFS).
func fleetSeeds() sdk.FleetOption {
	return sdk.WithTargetOptions(sdk.WithSeedFS(fstest.MapFS{
		"01_plans.sql": {Data: []byte("-- +hoist once\nINSERT INTO tags (id, label) VALUES (2, 'seeded');\n")},
	}))
}

// seedKind is one kind of fleet for the seeding tests: a fleet of its
// targets with opts, and a pool on one target for checks.
type seedKind struct {
	name    string
	targets []string
	fleet   func(t *testing.T, opts ...sdk.FleetOption) *sdk.Fleet
	count   func(t *testing.T, target, query string) int // query names the target's tables unqualified
	exec    func(t *testing.T, target, stmt string)      // INSERT INTO table: unqualified too
}

// seedKinds are a fleet of 3 targets of each kind: PostgreSQL schemas,
// MariaDB databases, SQLite files.
func seedKinds(t *testing.T) []seedKind {
	t.Helper()
	pg := testkit.Postgres(t)
	schemas := createSchemas(t, pg, "tenant", 3)
	kinds := []seedKind{{
		name:    "postgres schemas",
		targets: schemas,
		fleet: func(t *testing.T, opts ...sdk.FleetOption) *sdk.Fleet {
			f, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), append([]sdk.FleetOption{fleetOptions()}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
		count: func(t *testing.T, target, query string) int {
			return countRows(t, pg.DB, strings.ReplaceAll(query, "FROM ", "FROM "+target+"."))
		},
		exec: func(t *testing.T, target, stmt string) {
			if _, err := pg.DB.Exec(strings.ReplaceAll(stmt, "INTO ", "INTO "+target+".")); err != nil {
				t.Fatal(err)
			}
		},
	}}
	for _, engine := range []string{"mysql", "sqlite"} {
		df := newDBFleet(t, engine, 3)
		kinds = append(kinds, seedKind{
			name:    map[string]string{"mysql": "mariadb databases", "sqlite": "sqlite files"}[engine],
			targets: df.names,
			fleet:   df.fleet,
			count:   func(t *testing.T, target, query string) int { return countRows(t, df.tenant(t, target), query) },
			exec: func(t *testing.T, target, stmt string) {
				if _, err := df.tenant(t, target).Exec(stmt); err != nil {
					t.Fatal(err)
				}
			},
		})
	}
	return kinds
}

// TestFleetSeedingOnce: Up with WithFleetSeeding seeds every target of
// each kind after migrating it, and a second run, which finds every
// target up to date, seeds them again: the Once seeder is skipped, so it
// ran exactly once per target.
func TestFleetSeedingOnce(t *testing.T) {
	t.Parallel()
	for _, k := range seedKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			f := k.fleet(t, fleetSeeds(), sdk.WithFleetSeeding())
			for run, want := range []struct {
				state     sdk.TargetState
				ran, skip int
			}{{sdk.TargetApplied, 1, 0}, {sdk.TargetUpToDate, 0, 1}} {
				res, err := f.Up(ctx)
				if err != nil {
					t.Fatalf("run %d: %v", run+1, err)
				}
				if len(res.Targets) != len(k.targets) {
					t.Fatalf("run %d: %d targets; want %d", run+1, len(res.Targets), len(k.targets))
				}
				for _, tr := range res.Targets {
					if tr.State != want.state || tr.Seed == nil || len(tr.Seed.Ran) != want.ran || len(tr.Seed.Skipped) != want.skip {
						t.Fatalf("run %d: %s is %v, seed %+v; want %v, %d seeder ran, %d skipped", run+1, tr.Target, tr.State, tr.Seed, want.state, want.ran, want.skip)
					}
				}
			}
			for _, s := range k.targets {
				if n := k.count(t, s, "SELECT count(*) FROM tags WHERE label = 'seeded'"); n != 1 {
					t.Fatalf("%s: the Once seeder ran %d times over two runs; want once", s, n)
				}
			}
		})
	}
}

// TestFleetSeedingFailure: a seeder that fails on one target (its row
// is there already) fails that target with an error naming the seeder
// and the target. Under FleetStopAtFirst, one target at a time, the
// targets after it are not reached; under FleetContinue they are
// seeded. A fleet without WithFleetSeeding never seeds.
func TestFleetSeedingFailure(t *testing.T) {
	t.Parallel()
	for _, k := range seedKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			if res, err := k.fleet(t, fleetSeeds()).Up(ctx); err != nil {
				t.Fatal(err)
			} else if res.Targets[0].Seed != nil {
				t.Fatalf("a fleet without WithFleetSeeding seeded: %+v", res.Targets[0].Seed)
			}
			bad := k.targets[1]
			if n := k.count(t, bad, "SELECT count(*) FROM tags WHERE label = 'seeded'"); n != 0 {
				t.Fatalf("%s was seeded without WithFleetSeeding", bad)
			}
			k.exec(t, bad, "INSERT INTO tags (id, label) VALUES (2, 'ahead')")
			res, err := k.fleet(t, fleetSeeds(), sdk.WithFleetSeeding(), sdk.WithFleetConcurrency(1)).Up(ctx)
			var me *sdk.MigrationError
			if err == nil || !strings.Contains(err.Error(), "fleet target "+bad+":") || !errors.As(err, &me) || me.Name != "01_plans" {
				t.Fatalf("stop: %v; want the failure of seeder 01_plans on %s", err, bad)
			}
			if got := states(res); got != "up to date, failed, not reached" {
				t.Fatalf("stop: states %s", got)
			}
			res, err = k.fleet(t, fleetSeeds(), sdk.WithFleetSeeding(), sdk.WithFailurePolicy(sdk.FleetContinue)).Up(ctx)
			if err == nil || !strings.Contains(err.Error(), "seeder 01_plans failed") {
				t.Fatalf("continue: %v; want the seeder's failure", err)
			}
			if got := states(res); got != "up to date, failed, up to date" {
				t.Fatalf("continue: states %s", got)
			}
			for _, s := range []string{k.targets[0], k.targets[2]} {
				if n := k.count(t, s, "SELECT count(*) FROM tags WHERE label = 'seeded'"); n != 1 {
					t.Fatalf("%s: seeded %d times; want once", s, n)
				}
			}
		})
	}
}

func states(res *sdk.FleetResult) string {
	var out []string
	for _, tr := range res.Targets {
		out = append(out, tr.State.String())
	}
	return strings.Join(out, ", ")
}

// roleFleetSeed, followed by a prefix: wait for stdin to close, then Up
// with WithFleetSeeding the fleet of the MySQL databases whose names
// start with the prefix, whose Once seeder adds this process's id to
// runs, and report how many migrations this process applied.
const roleFleetSeed = "fleetseed:"

func fleetSeedChild(role string, server *sql.DB) (code int, ok bool) {
	prefix, ok := strings.CutPrefix(role, roleFleetSeed)
	if !ok {
		return 0, false
	}
	open, err := childMySQLOpener()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	seeder := sdk.Seeder{Name: "01_pid", Once: true, Run: func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO runs (pid) VALUES (%d)", -os.Getpid()))
		return err
	}}
	f, err := sdk.NewFleet(server, dialectFor("mysql"), sdk.TargetPattern(prefix+"_*"), sdk.WithDatabaseTargets(open),
		sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), sdk.WithSeeders(seeder), quiet()),
		sdk.WithFleetConcurrency(3), sdk.WithFleetSeeding())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // the starting gun
	return reportFleetChild(f.Up(context.Background()))
}

// TestFleetSeedingTwoProcesses: two separate processes migrate and seed
// the same fleet of 12 MariaDB databases at once. Both succeed, and in
// every database each migration is applied once and the Once seeder ran
// once (runs holds one row of the Go migration, one of the seeder, a
// negated process id), whichever process migrated it.
func TestFleetSeedingTwoProcesses(t *testing.T) {
	t.Parallel()
	df := newDBFleet(t, "mysql", 12)
	total := raceFleetChildren(t, df.driver, df.server.DSN, roleFleetSeed+df.prefix)
	if want := len(df.names) * bootMigrations; total != want {
		t.Fatalf("the two processes applied %d migrations; want each of %d exactly once", total, want)
	}
	for _, s := range df.names {
		db := df.tenant(t, s)
		if n := countRows(t, db, "SELECT count(*) FROM runs WHERE pid < 0"); n != 1 {
			t.Fatalf("%s: the Once seeder ran %d times; want once", s, n)
		}
		if n := countRows(t, db, "SELECT count(*) FROM hoist_migrations_seeds"); n != 1 {
			t.Fatalf("%s: %d seed records; want 1", s, n)
		}
	}
}

// TestFleetCreate: Create makes each named target of every kind that
// does not exist (a schema, a MariaDB database, a SQLite file in a
// directory that does not exist yet), reports whether it did, and a
// TargetPattern that lists them by name, separated by commas, migrates
// exactly them; Status then shows them up to date.
func TestFleetCreate(t *testing.T) {
	t.Parallel()
	pg := testkit.Postgres(t)
	my := newDBFleet(t, "mysql", 0)
	dir := filepath.Join(t.TempDir(), "tenants")
	open := func(name string) (*sql.DB, error) {
		return sql.Open("sqlite", "file:"+name+"?_pragma=busy_timeout(10000)")
	}
	for _, k := range []struct {
		name  string
		names []string
		fleet func(pattern string) (*sdk.Fleet, error)
	}{
		{"postgres schemas", []string{"new_a", "new_b", "new_c"}, func(p string) (*sdk.Fleet, error) {
			return sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern(p), fleetOptions())
		}},
		{"mariadb databases", []string{my.prefix + "_a", my.prefix + "_b", my.prefix + "_c"}, func(p string) (*sdk.Fleet, error) {
			return sdk.NewFleet(my.server.DB, my.server.Dialect, sdk.TargetPattern(p), sdk.WithDatabaseTargets(my.open), fleetOptions())
		}},
		{"sqlite files", []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "c.db")}, func(p string) (*sdk.Fleet, error) {
			return sdk.NewFleet(nil, testkit.SQLite(t).Dialect, sdk.TargetPattern(p), sdk.WithDatabaseTargets(open), fleetOptions())
		}},
	} {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			if k.name == "mariadb databases" {
				for _, s := range k.names {
					my.cleanup(t, s)
				}
			}
			f, err := k.fleet(strings.Join(k.names, ","))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Before Create, every name of the list is a failed target,
			// missing, not one silently left out.
			if names, err := f.Targets(ctx); err != nil || !slices.Equal(names, slices.Sorted(slices.Values(k.names))) {
				t.Fatalf("Targets before Create: %v, %v; want the names listed", names, err)
			}
			res, err := f.Up(ctx)
			if err == nil || res.Count(sdk.TargetFailed) != len(k.names) {
				t.Fatalf("Up before Create: %v, %s; want every target failed", err, states(res))
			}
			for _, r := range res.Targets {
				if !errors.Is(r.Err, sdk.ErrNoTarget) {
					t.Fatalf("%s before Create: %v; want ErrNoTarget", r.Target, r.Err)
				}
			}
			if one, err := k.fleet(k.names[0]); err != nil {
				t.Fatal(err)
			} else if names, err := one.Targets(ctx); err != nil || len(names) != 0 {
				t.Fatalf("Targets of the one name %s before Create: %v, %v; want none (a pattern)", k.names[0], names, err)
			} else {
				one.Close()
			}
			for _, s := range k.names {
				if created, err := f.Create(ctx, s); err != nil || !created {
					t.Fatalf("Create(%s): %v, %v; want created", s, created, err)
				}
			}
			if created, err := f.Create(ctx, k.names[0]); err != nil || created {
				t.Fatalf("Create(%s) again: %v, %v; want it found", k.names[0], created, err)
			}
			res, err = f.Up(ctx)
			if err != nil || res.Count(sdk.TargetApplied) != len(k.names) || len(res.Targets) != len(k.names) {
				t.Fatalf("Up: %v, %s; want the %d created targets applied", err, states(res), len(k.names))
			}
			st, err := f.Status(ctx)
			if err != nil || len(st) != len(k.names) {
				t.Fatalf("Status: %v, %v", st, err)
			}
			for _, s := range st {
				if !s.UpToDate() {
					t.Fatalf("%s: %s; want up to date", s.Target, s)
				}
			}
		})
	}
}

// TestFleetsEnsure creates a tenant on the second of two PostgreSQL
// servers, named, and only there; an unknown server is an error naming
// the known ones.
func TestFleetsEnsure(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	ts := newTwoServers(t, 1)
	fs := ts.fleets(t, fleetOptions())
	res, err := fs.Ensure(ctx, "b", "tenant_new")
	if err != nil || len(res.Applied) != fleetMigrationCount {
		t.Fatalf("Ensure on b: %v, %v", res, err)
	}
	if n := historyCount(t, ts.b, "tenant_new"); n != fleetMigrationCount {
		t.Fatalf("tenant_new on b has %d applied rows; want %d", n, fleetMigrationCount)
	}
	if n := countRows(t, ts.a, "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_new'"); n != 0 {
		t.Fatal("Ensure on b created tenant_new on a too")
	}
	rows, err := fs.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Server+" "+r.Target+" "+r.String())
	}
	if want := "a tenant_00 pending 4, b tenant_00 pending 4, b tenant_new up to date"; strings.Join(got, ", ") != want {
		t.Fatalf("Status: %s; want %s", strings.Join(got, ", "), want)
	}
	if _, err := fs.Ensure(ctx, "c", "tenant_new"); err == nil || !strings.Contains(err.Error(), `no server is named "c"; the servers are a, b`) {
		t.Fatalf("Ensure on an unknown server: %v", err)
	}
}

// TestNewFleetSeedingRefuses: WithFleetSeeding names only seeders the
// targets have, for NewFleet and NewFleets alike; a pattern list with an
// empty part is refused.
func TestNewFleetSeedingRefuses(t *testing.T) {
	t.Parallel()
	pg := testkit.Postgres(t)
	_, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), fleetSeeds(), sdk.WithFleetSeeding("01_plans", "02_nope"))
	if err == nil || !strings.Contains(err.Error(), "WithFleetSeeding: no seeder named 02_nope; known seeders: 01_plans") {
		t.Fatalf("NewFleet: %v", err)
	}
	f, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), fleetSeeds())
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdk.NewFleets([]sdk.FleetServer{{Name: "a", Fleet: f}}, sdk.WithFleetSeeding("02_nope"))
	if err == nil || !strings.Contains(err.Error(), "WithFleetSeeding: server a: no seeder named 02_nope") {
		t.Fatalf("NewFleets: %v", err)
	}
	if _, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_a,,tenant_b"), fleetOptions()); err == nil || !strings.Contains(err.Error(), "empty pattern") {
		t.Fatalf("NewFleet of tenant_a,,tenant_b: %v", err)
	}
}
