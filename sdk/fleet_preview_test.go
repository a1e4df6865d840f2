package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"testing"

	"github.com/hoistdb/hoist/dialect/postgres"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleFleet_Plan prints what a deploy would run on each tenant_*
// schema, executing nothing: a check before rolling a fleet forward.
func ExampleFleet_Plan() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)))
	if err != nil {
		log.Fatal(err)
	}
	plans, err := fleet.Plan(context.Background())
	if err != nil {
		log.Fatal(err) // the tenants could not be listed
	}
	for _, p := range plans {
		switch {
		case p.Err != nil:
			fmt.Printf("%s: would fail: %v\n", p.Target, p.Err)
		case len(p.Result.Applied) > 0:
			for _, m := range p.Result.Applied {
				fmt.Printf("%s: would apply %d %s\n", p.Target, m.Version, m.Name)
			}
		}
	}
}

// TestFleetPlan: Fleet.Plan lists what Up would run on each schema,
// in the order of the targets: everything on a fresh one, the rest on
// one migrated part of the way (with the next batch), nothing on one
// up to date; a missing schema and one whose history records a failed
// migration have the error Up would stop at. It reads through a lock
// another session holds, naming the holder, and leaves every history as
// it was.
func TestFleetPlan(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	createSchemas(t, db, "plan", 4)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList("plan_00", "plan_01", "plan_02", "plan_03", "plan_04"), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	part, err := f.Migrator("plan_01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"plan_02", "plan_03"} {
		if _, err := f.Ensure(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DB.Exec("UPDATE plan_03.hoist_migrations SET state = 'failed' WHERE version = 4"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := db.Dialect.NewLock(conn, "plan_00.hoist_migrations")
	if ok, err := lock.TryAcquire(ctx); err != nil || !ok {
		t.Fatalf("taking the lock of plan_00: %v %v", ok, err)
	}
	defer lock.Release(ctx)

	plans, err := f.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plans {
		line := p.Target
		switch {
		case errors.Is(p.Err, sdk.ErrNoTarget):
			line += " missing"
		case errors.Is(p.Err, sdk.ErrDirty):
			line += " dirty"
		case p.Err != nil:
			line += " " + p.Err.Error()
		default:
			line += fmt.Sprintf(" batch %d %v dry %v", p.Result.Batch, versions(p.Result.Applied), p.Result.DryRun)
		}
		if p.Status.LockedBy != "" {
			line += " locked"
		}
		got = append(got, line)
	}
	want := "[plan_00 batch 1 [1 2 3 4] dry true locked plan_01 batch 2 [3 4] dry true plan_02 batch 0 [] dry true plan_03 dirty plan_04 missing]"
	if fmt.Sprint(got) != want {
		t.Errorf("plans:\n got %v\nwant %s", got, want)
	}
	if a := plans[0].Result.Applied[0]; a.File != "0001_create_users.sql" || len(a.SQL) != 1 {
		t.Errorf("plan_00's first migration: %+v", a)
	}
	if n := historyCount(t, db.DB, "plan_01"); n != 2 {
		t.Errorf("plan_01 has %d applied rows, want 2", n)
	}
	var n int
	if err := db.DB.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = 'plan_00'").Scan(&n); err != nil || n != 0 {
		t.Errorf("plan_00 has %d tables (%v), want none", n, err)
	}
}
