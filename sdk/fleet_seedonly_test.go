package sdk_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleFleet_Seed runs the seeders on every tenant schema without
// migrating: a Once seeder runs once per tenant, however often the
// deploy job runs it, and a seeder that fails is named with its tenant.
func ExampleFleet_Seed() {
	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS), sdk.WithSeedFS(seedsFS)),
		sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		log.Fatal(err)
	}
	res, err := fleet.Seed(context.Background(), "01_plans")
	for _, t := range res.Targets {
		if t.Seed != nil {
			log.Printf("%s: %d seeders ran, %d skipped", t.Target, len(t.Seed.Ran), len(t.Seed.Skipped))
		}
	}
	if err != nil {
		log.Fatalf("%d of %d tenants failed: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
}

// seededRows counts the rows the Once seeder of fleetSeeds inserted.
const seededRows = "SELECT count(*) FROM tags WHERE label = 'seeded'"

// TestFleetSeedOnce: Fleet.Seed seeds every target of each kind (its
// migrations applied by an Up without seeding) and migrates nothing; a
// second Seed skips the Once seeder everywhere, so it ran exactly once
// per target, and the targets are applied, then up to date.
func TestFleetSeedOnce(t *testing.T) {
	t.Parallel()
	for _, k := range seedKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			f := k.fleet(t, fleetSeeds())
			defer f.Close()
			if _, err := f.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for run, want := range []struct {
				state     sdk.TargetState
				ran, skip int
			}{{sdk.TargetApplied, 1, 0}, {sdk.TargetUpToDate, 0, 1}} {
				res, err := f.Seed(ctx)
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
					if tr.Result == nil || len(tr.Result.Applied) != 0 {
						t.Fatalf("run %d: %s: Result %+v; want an empty one: Seed migrates nothing", run+1, tr.Target, tr.Result)
					}
				}
			}
			for _, s := range k.targets {
				if n := k.count(t, s, seededRows); n != 1 {
					t.Fatalf("%s: the Once seeder ran %d times over two runs; want once", s, n)
				}
				if n := k.count(t, s, "SELECT count(*) FROM hoist_migrations_seeds WHERE name = '01_plans'"); n != 1 {
					t.Fatalf("%s: %d records of 01_plans; want 1", s, n)
				}
			}
		})
	}
}

// TestFleetSeedFailure: a seeder that fails on one target (its row is
// there already) fails that target with an error that names the target
// and the seeder's name, file and line. Under FleetStopAtFirst, one
// target at a time, the target after it is not reached; under
// FleetContinue it is seeded, and the target seeded before is skipped.
func TestFleetSeedFailure(t *testing.T) {
	t.Parallel()
	for _, k := range seedKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			f := k.fleet(t, fleetSeeds())
			if _, err := f.Up(ctx); err != nil {
				t.Fatal(err)
			}
			f.Close()
			bad := k.targets[1]
			k.exec(t, bad, "INSERT INTO tags (id, label) VALUES (2, 'ahead')")
			f = k.fleet(t, fleetSeeds(), sdk.WithFleetConcurrency(1))
			defer f.Close()
			res, err := f.Seed(ctx, "01_plans")
			var me *sdk.MigrationError
			if err == nil || !strings.Contains(err.Error(), "fleet target "+bad+": hoist: seeder 01_plans failed at 01_plans.sql:2") ||
				!errors.As(err, &me) || me.Name != "01_plans" || me.File != "01_plans.sql" || me.Line != 2 || me.Version != 0 {
				t.Fatalf("stop: %v (%+v); want the failure of seeder 01_plans at 01_plans.sql:2 on %s", err, me, bad)
			}
			if strings.Contains(err.Error(), "pending") {
				t.Fatalf("stop: %v; the target is migrated, yet the error says it has migrations pending", err)
			}
			if got := states(res); got != "applied, failed, not reached" {
				t.Fatalf("stop: states %s", got)
			}
			if tr := res.Targets[1]; tr.Seed == nil || len(tr.Seed.Ran) != 0 || !errors.As(tr.Err, &me) {
				t.Fatalf("stop: the failed target's Seed %+v, error %v", tr.Seed, tr.Err)
			}
			if n := k.count(t, k.targets[2], seededRows); n != 0 {
				t.Fatalf("stop: %s, not reached, was seeded", k.targets[2])
			}
			f.Close()
			f = k.fleet(t, fleetSeeds(), sdk.WithFailurePolicy(sdk.FleetContinue))
			res, err = f.Seed(ctx)
			if err == nil || !strings.Contains(err.Error(), "fleet target "+bad+":") || !strings.Contains(err.Error(), "seeder 01_plans failed") {
				t.Fatalf("continue: %v; want the seeder's failure on %s", err, bad)
			}
			if got := states(res); got != "up to date, failed, applied" {
				t.Fatalf("continue: states %s", got)
			}
			for _, s := range []string{k.targets[0], k.targets[2]} {
				if n := k.count(t, s, seededRows); n != 1 {
					t.Fatalf("%s: seeded %d times; want once", s, n)
				}
			}
		})
	}
}

// TestFleetSeedNotMigrated: Seed seeds a target as it finds it, as
// Migrator.Seed does. A target whose migrations are all applied is
// seeded; on one with no migration applied the seeder, whose table a
// pending migration creates, fails, and the error says the target has
// migrations pending; a seeder that needs no table of the migrations
// runs on it. Nothing is migrated. Afterwards Up with WithFleetSeeding
// migrates and seeds the rest.
func TestFleetSeedNotMigrated(t *testing.T) {
	t.Parallel()
	for _, k := range seedKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			ctx := testContext(t)
			f := k.fleet(t, fleetSeeds(), sdk.WithFailurePolicy(sdk.FleetContinue))
			defer f.Close()
			m, err := f.Migrator(k.targets[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := f.Seed(ctx)
			if got := states(res); got != "applied, failed, failed" {
				t.Fatalf("states %s (%v); want the migrated target seeded and the others failed", got, err)
			}
			for _, tr := range res.Targets[1:] {
				var me *sdk.MigrationError
				if !errors.As(tr.Err, &me) || me.Name != "01_plans" || !strings.Contains(tr.Err.Error(), "the target has migrations pending, which seeding does not apply") {
					t.Fatalf("%s: %v; want seeder 01_plans's failure, saying migrations are pending", tr.Target, tr.Err)
				}
			}
			if err == nil || !strings.Contains(err.Error(), "fleet target "+k.targets[1]+":") {
				t.Fatalf("error %v; want it to name %s", err, k.targets[1])
			}
			// A seeder that needs no table of the migrations runs on a
			// target with none applied, as Migrator.Seed would.
			own := sdk.WithTargetOptions(sdk.WithSeeders(sdk.Seeder{Name: "00_own", Once: true, Run: func(ctx context.Context, tx sdk.Tx) error {
				_, err := tx.ExecContext(ctx, "CREATE TABLE own_seeded (id INTEGER)")
				return err
			}}))
			g := k.fleet(t, own)
			defer g.Close()
			res, err = g.Seed(ctx, "00_own")
			if err != nil || res.Count(sdk.TargetApplied) != len(k.targets) {
				t.Fatalf("00_own: %v, %s; want every target seeded", err, states(res))
			}
			if n := k.count(t, k.targets[1], "SELECT count(*) FROM own_seeded"); n != 0 {
				t.Fatalf("own_seeded has %d rows", n)
			}
			if n := k.count(t, k.targets[1], "SELECT count(*) FROM hoist_migrations_seeds"); n != 1 {
				t.Fatalf("%s: %d seed records; want 00_own's", k.targets[1], n)
			}
			// Nothing was migrated: Up still applies every migration of
			// the others, and with seeding seeds them.
			h := k.fleet(t, fleetSeeds(), sdk.WithFleetSeeding())
			defer h.Close()
			res, err = h.Up(ctx)
			if err != nil || states(res) != "up to date, applied, applied" {
				t.Fatalf("Up: %v, %s", err, states(res))
			}
			for _, tr := range res.Targets[1:] {
				if len(tr.Result.Applied) != len(h.Migrations()) || tr.Seed == nil || len(tr.Seed.Ran) != 1 {
					t.Fatalf("Up: %s applied %d, seed %+v; want every migration and the seeder", tr.Target, len(tr.Result.Applied), tr.Seed)
				}
			}
		})
	}
}

// TestFleetSeedMissingAndUnknown: a target that does not exist fails
// with ErrNoTarget, on a fleet of schemas and of MariaDB databases, and
// the targets that exist are seeded (FleetContinue). A seeder name that
// no seeder has is an error before anything runs, for Fleet.Seed and
// Fleets.Seed (naming the server).
func TestFleetSeedMissingAndUnknown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	pg := testkit.Postgres(t)
	schemas := createSchemas(t, pg, "tenant", 2)
	my := newDBFleet(t, "mysql", 2)
	for _, k := range []struct {
		name  string
		fleet func(pattern string) (*sdk.Fleet, error)
		names []string
	}{
		{"postgres schemas", func(p string) (*sdk.Fleet, error) {
			return sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern(p), fleetOptions(), fleetSeeds(), sdk.WithFailurePolicy(sdk.FleetContinue))
		}, schemas},
		{"mariadb databases", func(p string) (*sdk.Fleet, error) {
			return sdk.NewFleet(my.server.DB, my.server.Dialect, sdk.TargetPattern(p), sdk.WithDatabaseTargets(my.open),
				fleetOptions(), fleetSeeds(), sdk.WithFailurePolicy(sdk.FleetContinue))
		}, my.names},
	} {
		t.Run(k.name, func(t *testing.T) {
			gone := strings.TrimSuffix(k.names[0], "_00") + "_gone"
			f, err := k.fleet(strings.Join(k.names, ",") + "," + gone)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Up(ctx); err == nil {
				t.Fatalf("Up: no error; want %s missing", gone)
			}
			if res, err := f.Seed(ctx, "02_nope"); err == nil || len(res.Targets) != 0 ||
				!strings.Contains(err.Error(), "Fleet.Seed: no seeder named 02_nope; known seeders: 01_plans") {
				t.Fatalf("Seed(02_nope): %v, %d targets; want the unknown name refused before anything runs", err, len(res.Targets))
			}
			if n := countSeedRecords(t, k.name, pg.DB, my.server.DB, k.names[0]); n != 0 {
				t.Fatalf("Seed(02_nope) seeded %s", k.names[0])
			}
			res, err := f.Seed(ctx)
			if got := states(res); got != "applied, applied, failed" {
				t.Fatalf("states %s (%v); want the two tenants seeded and %s failed", got, err, gone)
			}
			if tr := res.Targets[2]; tr.Target != gone || !errors.Is(tr.Err, sdk.ErrNoTarget) || !errors.Is(err, sdk.ErrNoTarget) {
				t.Fatalf("%s: %v (run: %v); want ErrNoTarget", tr.Target, tr.Err, err)
			}
		})
	}
	t.Run("fleets", func(t *testing.T) {
		f, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), fleetSeeds())
		if err != nil {
			t.Fatal(err)
		}
		g, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions())
		if err != nil {
			t.Fatal(err)
		}
		fs, err := sdk.NewFleets([]sdk.FleetServer{{Name: "a", Fleet: f}, {Name: "b", Fleet: g}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fs.Seed(ctx, "01_plans"); err == nil || !strings.Contains(err.Error(), "Fleets.Seed: server b: no seeder named 01_plans") {
			t.Fatalf("Fleets.Seed: %v; want server b's lack of 01_plans refused", err)
		}
	})
}

// countSeedRecords counts the seed records of target, a schema of pg or
// a database of my; 0 when there is no seed table.
func countSeedRecords(t *testing.T, kind string, pg, my *sql.DB, target string) int {
	t.Helper()
	q, db := "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"+target+"' AND table_name = 'hoist_migrations_seeds'", pg
	if kind != "postgres schemas" {
		db = my
	}
	if countRows(t, db, q) == 0 {
		return 0
	}
	return countRows(t, db, "SELECT count(*) FROM "+target+".hoist_migrations_seeds")
}

// TestFleetsSeed: Fleets.Seed seeds the tenants of both servers, each
// reported with its server, and the progress counts them together.
func TestFleetsSeed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	ts := newTwoServers(t, 2)
	var calls int
	fs := ts.fleets(t, sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), quiet(),
		sdk.WithSeedFS(seedOnlyFS)), sdk.WithFleetProgress(func(tr sdk.TargetResult, done, total int) {
		calls++ // one call at a time
		if total != 4 || tr.Server == "" {
			t.Errorf("progress %s/%s %d/%d", tr.Server, tr.Target, done, total)
		}
	}))
	if _, err := fs.Up(ctx); err != nil {
		t.Fatal(err)
	}
	calls = 0
	res, err := fs.Seed(ctx)
	if err != nil || res.Count(sdk.TargetApplied) != 4 || calls != 4 {
		t.Fatalf("Fleets.Seed: %v, %s, %d progress calls", err, states(res), calls)
	}
	var got []string
	for _, tr := range res.Targets {
		got = append(got, tr.Server+" "+tr.Target)
	}
	if want := "a tenant_00, a tenant_01, b tenant_00, b tenant_01"; strings.Join(got, ", ") != want {
		t.Fatalf("targets %s; want %s", strings.Join(got, ", "), want)
	}
	for _, db := range []*sql.DB{ts.a, ts.b} {
		for _, s := range ts.names {
			if n := countRows(t, db, "SELECT count(*) FROM "+s+".tags WHERE label = 'seeded'"); n != 1 {
				t.Fatalf("%s: seeded %d times", s, n)
			}
		}
	}
}

// seedOnlyFS is the seed directory of fleetSeeds.
var seedOnlyFS = fstest.MapFS{"01_plans.sql": {Data: []byte("-- +hoist once\nINSERT INTO tags (id, label) VALUES (2, 'seeded');\n")}}

// roleFleetSeedOnly, followed by engine:prefix: wait for stdin to close,
// then Seed the fleet of the MariaDB databases (engine mysql) or the
// PostgreSQL schemas (engine pgx) whose names start with the
// prefix, whose Once seeder adds this process's id, negated, to runs;
// report how many seeders this process ran.
const roleFleetSeedOnly = "fleetseedonly:"

func fleetSeedOnlyChild(role string, server *sql.DB) (code int, ok bool) {
	rest, ok := strings.CutPrefix(role, roleFleetSeedOnly)
	if !ok {
		return 0, false
	}
	engine, prefix, _ := strings.Cut(rest, ":")
	seeder := sdk.Seeder{Name: "01_pid", Once: true, Run: func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO runs (pid) VALUES (%d)", -os.Getpid()))
		time.Sleep(50 * time.Millisecond) // long enough for the other process to find some locks busy
		return err
	}}
	opts := []sdk.FleetOption{sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), sdk.WithSeeders(seeder), quiet()),
		sdk.WithFleetConcurrency(3)}
	if engine == "mysql" {
		open, err := childMySQLOpener()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1, true
		}
		opts = append(opts, sdk.WithDatabaseTargets(open))
	}
	f, err := sdk.NewFleet(server, dialectFor(os.Getenv("HOIST_SDK_DRIVER")), sdk.TargetPattern(prefix+"_*"), opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // the starting gun
	res, err := f.Seed(context.Background())
	var rep childReport
	for _, tr := range res.Targets {
		if tr.Seed != nil {
			rep.Applied += len(tr.Seed.Ran)
		}
	}
	if err != nil {
		rep.Error = err.Error()
	}
	out, _ := json.Marshal(rep)
	fmt.Println(string(out))
	if err != nil {
		return 1, true
	}
	return 0, true
}

// TestFleetSeedTwoProcesses: two separate processes seed the same fleet
// at once, 12 MariaDB databases and 12 PostgreSQL schemas, migrated
// before. Both succeed, both seed part of the fleet, and in every tenant
// the Once seeder ran exactly once (one negated process id in runs, one
// seed record), whichever process ran it.
func TestFleetSeedTwoProcesses(t *testing.T) {
	t.Parallel()
	t.Run("mariadb databases", func(t *testing.T) {
		t.Parallel()
		df := newDBFleet(t, "mysql", 12)
		f, err := sdk.NewFleet(df.server.DB, df.server.Dialect, df.pattern(), sdk.WithDatabaseTargets(df.open),
			sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), quiet()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Up(testContext(t)); err != nil {
			t.Fatal(err)
		}
		if total := raceFleetChildren(t, df.driver, df.server.DSN, roleFleetSeedOnly+"mysql:"+df.prefix); total != len(df.names) {
			t.Fatalf("the two processes ran the seeder %d times; want once on each of %d databases", total, len(df.names))
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
	})
	t.Run("postgres schemas", func(t *testing.T) {
		t.Parallel()
		pg := testkit.Postgres(t)
		schemas := createSchemas(t, pg, "seedtwo", 12)
		f, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("seedtwo_*"),
			sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), quiet()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Up(testContext(t)); err != nil {
			t.Fatal(err)
		}
		if total := raceFleetChildren(t, "pgx", pg.DSN, roleFleetSeedOnly+"pgx:seedtwo"); total != len(schemas) {
			t.Fatalf("the two processes ran the seeder %d times; want once on each of %d schemas", total, len(schemas))
		}
		for _, s := range schemas {
			if n := countRows(t, pg.DB, "SELECT count(*) FROM "+s+".runs WHERE pid < 0"); n != 1 {
				t.Fatalf("%s: the Once seeder ran %d times; want once", s, n)
			}
			if n := countRows(t, pg.DB, "SELECT count(*) FROM "+s+".hoist_migrations_seeds"); n != 1 {
				t.Fatalf("%s: %d seed records; want 1", s, n)
			}
		}
	})
}
