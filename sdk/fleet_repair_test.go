package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleFleet_Repair forgets the migrations that stopped half way on
// tenants put right by hand (after a process was killed during a
// migration, or a migration outside a transaction failed), then
// migrates them again.
func ExampleFleet_Repair() {
	db, err := sql.Open("pgx", "postgres://app@db/app")
	if err != nil {
		log.Fatal(err)
	}
	// The tenants whose schemas were put right by hand.
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetList("tenant_acme", "tenant_globex"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)), sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()
	ctx := context.Background()
	res, err := fleet.Repair(ctx)
	if err != nil {
		log.Fatalf("%d of %d tenants not repaired: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
	for _, t := range res.Targets {
		if t.State == sdk.TargetRepaired {
			for _, e := range t.Repair.Removed {
				log.Printf("%s: forgot %d %s (%s)", t.Target, e.Version, e.Name, e.State)
			}
		}
	}
	if _, err := fleet.Up(ctx); err != nil {
		log.Fatal(err)
	}
}

// repairFS has a migration whose two statements run outside a
// transaction: where table c is there already, b stays and 2 is
// recorded failed (dirty), on every engine.
func repairFS() fstest.MapFS {
	return fstest.MapFS{
		"0001_a.sql": {Data: []byte("-- +hoist up\nCREATE TABLE a (id INTEGER);\n-- +hoist down\nDROP TABLE a;\n")},
		"0002_b.sql": {Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE TABLE b (id INTEGER);\nCREATE TABLE c (id INTEGER);\n" +
			"-- +hoist down\n-- +hoist no-transaction\nDROP TABLE c;\nDROP TABLE b;\n")},
	}
}

// repairTenants is a fleet of three tenants for the repair tests:
// fleet builds a Fleet of targets, exec runs a statement in one tenant.
type repairTenants struct {
	names   []string
	fleet   func(t *testing.T, targets sdk.Targets) *sdk.Fleet
	all     sdk.Targets
	missing string
	exec    func(t *testing.T, tenant, query string)
	table   string // the history table, quoted, as exec names it
}

// testFleetRepair: tenant 0 is left dirty by a failed migration outside
// a transaction (its DDL stays), tenant 1 as a killed process leaves
// it (its row says running); both are put right by hand and repaired,
// while tenant 2 has nothing to repair; a second Repair finds nothing;
// then Up completes every tenant, and a missing tenant fails with
// ErrNoTarget.
func testFleetRepair(t *testing.T, rt repairTenants) {
	ctx := testContext(t)
	f := rt.fleet(t, rt.all)
	t0, t1, t2 := rt.names[0], rt.names[1], rt.names[2]
	rt.exec(t, t0, "CREATE TABLE c (id INTEGER)")
	res, err := f.Up(ctx)
	if err == nil {
		t.Fatal("Up succeeded; want tenant 0 failed")
	}
	byName := func(res *sdk.FleetResult) map[string]sdk.TargetResult {
		m := map[string]sdk.TargetResult{}
		for _, tr := range res.Targets {
			m[tr.Target] = tr
		}
		return m
	}
	var me *sdk.MigrationError
	if got := byName(res)[t0]; got.State != sdk.TargetFailed || !errors.As(got.Err, &me) || !me.Dirty || !me.Recorded {
		t.Fatalf("%s after Up: %v, %v; want failed, dirty and recorded", t0, got.State, got.Err)
	}
	// A kill during 2 on tenant 1: its row says running, b and c stay.
	rt.exec(t, t1, "UPDATE "+rt.table+" SET state = 'running' WHERE version = 2")
	if _, err := f.Up(ctx); !errors.Is(err, sdk.ErrDirty) {
		t.Fatalf("Up of dirty tenants: %v; want ErrDirty", err)
	}
	// Put right by hand: the schemas as they are without 2.
	rt.exec(t, t0, "DROP TABLE b")
	rt.exec(t, t0, "DROP TABLE c")
	rt.exec(t, t1, "DROP TABLE c")
	rt.exec(t, t1, "DROP TABLE b")

	res, err = f.Repair(ctx)
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	got := byName(res)
	for name, want := range map[string]sdk.State{t0: sdk.StateFailed, t1: sdk.StateRunning} {
		tr := got[name]
		if tr.State != sdk.TargetRepaired || tr.Repair == nil || len(tr.Repair.Removed) != 1 ||
			tr.Repair.Removed[0].Version != 2 || tr.Repair.Removed[0].State != want {
			t.Errorf("%s after Repair: %v %+v; want repaired, its %s row of 2 removed", name, tr.State, tr.Repair, want)
		}
	}
	if tr := got[t2]; tr.State != sdk.TargetUpToDate || tr.Repair == nil || len(tr.Repair.Removed) != 0 || tr.Err != nil {
		t.Errorf("%s after Repair: %v %+v %v; want up to date, nothing removed", t2, tr.State, tr.Repair, tr.Err)
	}
	res, err = f.Repair(ctx)
	if err != nil || res.Count(sdk.TargetUpToDate) != 3 {
		t.Errorf("second Repair: %v, %d up to date; want all 3 with nothing to repair", err, res.Count(sdk.TargetUpToDate))
	}
	res, err = f.Up(ctx)
	if err != nil {
		t.Fatalf("Up after the repair: %v", err)
	}
	got = byName(res)
	for _, name := range []string{t0, t1} {
		if tr := got[name]; tr.State != sdk.TargetApplied || len(tr.Result.Applied) != 1 || tr.Result.Applied[0].Version != 2 {
			t.Errorf("%s after the repair: %v %+v; want 2 applied again", name, tr.State, tr.Result)
		}
	}
	if got[t2].State != sdk.TargetUpToDate {
		t.Errorf("%s: %v; want up to date", t2, got[t2].State)
	}

	miss := rt.fleet(t, sdk.TargetList(t2, rt.missing))
	res, err = miss.Repair(ctx)
	got = byName(res)
	if !errors.Is(err, sdk.ErrNoTarget) || got[rt.missing].State != sdk.TargetFailed || !errors.Is(got[rt.missing].Err, sdk.ErrNoTarget) ||
		got[rt.missing].Repair != nil || got[t2].State != sdk.TargetUpToDate {
		t.Errorf("Repair with a missing tenant: %v, %+v; want it failed with ErrNoTarget, %s up to date", err, res.Targets, t2)
	}
}

// TestFleetRepairMySQLDatabases: testFleetRepair on MySQL/MariaDB
// databases, where a migration's DDL commits as it runs.
func TestFleetRepairMySQLDatabases(t *testing.T) {
	t.Parallel()
	testFleetRepair(t, dbRepairTenants(t, "mysql", "`hoist_migrations`"))
}

// TestFleetRepairSQLiteFiles: testFleetRepair on SQLite files.
func TestFleetRepairSQLiteFiles(t *testing.T) {
	t.Parallel()
	testFleetRepair(t, dbRepairTenants(t, "sqlite", `"hoist_migrations"`))
}

// dbRepairTenants is a repairTenants of databases (or files).
func dbRepairTenants(t *testing.T, engine, table string) repairTenants {
	df := newDBFleet(t, engine, 3)
	missing := df.prefix + "_zz"
	if engine == "sqlite" {
		missing += ".db"
	}
	return repairTenants{
		names: df.names, all: df.pattern(), missing: missing, table: table,
		fleet: func(t *testing.T, targets sdk.Targets) *sdk.Fleet {
			var server *sql.DB
			d := testkit.SQLite(t).Dialect
			if df.server != nil {
				server, d = df.server.DB, df.server.Dialect
			}
			f, err := sdk.NewFleet(server, d, targets, sdk.WithDatabaseTargets(df.open), sdk.WithFailurePolicy(sdk.FleetContinue),
				sdk.WithTargetOptions(sdk.WithFS(repairFS()), quiet()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		},
		exec: func(t *testing.T, tenant, query string) {
			t.Helper()
			if _, err := df.tenant(t, tenant).Exec(query); err != nil {
				t.Fatalf("%s: %s: %v", tenant, query, err)
			}
		},
	}
}

// TestFleetRepairPostgresSchemas: testFleetRepair on PostgreSQL
// schemas, with a migration outside a transaction.
func TestFleetRepairPostgresSchemas(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	names := createSchemas(t, db, "rep", 3)
	testFleetRepair(t, repairTenants{
		names: names, all: sdk.TargetPattern("rep_*"), missing: "rep_zz", table: "hoist_migrations",
		fleet: func(t *testing.T, targets sdk.Targets) *sdk.Fleet {
			f, err := sdk.NewFleet(db.DB, db.Dialect, targets, sdk.WithFailurePolicy(sdk.FleetContinue),
				sdk.WithTargetOptions(sdk.WithFS(repairFS()), quiet()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		},
		exec: func(t *testing.T, tenant, query string) {
			t.Helper()
			tx, err := db.DB.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("SET LOCAL search_path TO " + tenant); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(query); err != nil {
				t.Fatalf("%s: %s: %v", tenant, query, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestFleetsRepair: Fleets.Repair repairs the dirty tenant of one
// server and finds nothing to repair on the other, each result naming
// its server.
func TestFleetsRepair(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	var servers []sdk.FleetServer
	for _, name := range []string{"one", "two"} {
		db := testkit.Postgres(t)
		createSchemas(t, db, "rep", 1)
		f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("rep_*"), sdk.WithTargetOptions(sdk.WithFS(repairFS()), quiet()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		servers = append(servers, sdk.FleetServer{Name: name, Fleet: f})
		if name == "two" {
			if _, err := db.DB.Exec("CREATE TABLE rep_00.c (id INTEGER)"); err != nil {
				t.Fatal(err)
			}
		}
	}
	fs, err := sdk.NewFleets(servers, sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Up(ctx); err == nil {
		t.Fatal("Up succeeded; want rep_00 of two failed")
	}
	res, err := fs.Repair(ctx)
	if err != nil || len(res.Targets) != 2 {
		t.Fatalf("Repair: %v, %+v", err, res)
	}
	if one := res.Targets[0]; one.Server != "one" || one.State != sdk.TargetUpToDate {
		t.Errorf("server one: %+v; want up to date", one)
	}
	if two := res.Targets[1]; two.Server != "two" || two.State != sdk.TargetRepaired || len(two.Repair.Removed) != 1 {
		t.Errorf("server two: %+v; want repaired, one row removed", two)
	}
}
