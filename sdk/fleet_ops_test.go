package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleFleet_UpTo applies the migrations up to one version to every
// tenant_* schema (an expand step, say, before the application that
// needs it is deployed), then rolls the fleet back to it again when the
// next step must be undone.
func ExampleFleet_UpTo() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)),
		sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		log.Fatal(err)
	}
	res, err := fleet.UpTo(ctx, 20261122093000)
	if err != nil {
		log.Printf("%d of %d tenants failed: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
	// Later: undo everything above that version, on every tenant.
	res, err = fleet.RollbackTo(ctx, 20261122093000)
	if err != nil {
		log.Print(err)
	}
	log.Printf("%d tenants rolled back, %d had nothing to roll back", res.Count(sdk.TargetRolledBack), res.Count(sdk.TargetUpToDate))
}

// statesOf lists the state of every target of res, in order.
func statesOf(res *sdk.FleetResult) []sdk.TargetState {
	var out []sdk.TargetState
	for _, t := range res.Targets {
		out = append(out, t.State)
	}
	return out
}

// sameStates is n times s.
func sameStates(s sdk.TargetState, n int) []sdk.TargetState {
	return slices.Repeat([]sdk.TargetState{s}, n)
}

// appliedVersions lists the versions of schema's applied history rows,
// in order.
func appliedVersions(t *testing.T, db *sql.DB, table string) []int64 {
	t.Helper()
	rows, err := db.Query("SELECT version FROM " + table + " WHERE state = 'applied' ORDER BY version")
	if err != nil {
		t.Fatalf("reading %s: %v", table, err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFleetSchemasUpToRollbackAndMarks: on a fleet of PostgreSQL schemas,
// UpTo(2) leaves every schema at version 2 and unmarked; its dry run
// (PlanTo) said so before, and another UpTo(2) settles every schema
// from the first reading. Up completes and marks them. UpTo(2) on the
// marked fleet runs nothing and keeps the marks. RollbackTo(2) rolls
// every schema back to 2, and the trigger clears the marks; Ensure,
// which remembered a schema, migrates it again; the next Up reads the
// histories, applies 3 and 4 to the others and marks every schema again.
func TestFleetSchemasUpToRollbackAndMarks(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 5)
	var progress atomic.Int32
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), sdk.WithFleetConcurrency(2),
		sdk.WithFleetProgress(func(sdk.TargetResult, int, int) { progress.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := f.PlanTo(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		if p.Err != nil || !slices.Equal(versions(p.Result.Applied), []int64{1, 2}) {
			t.Fatalf("PlanTo(2) of %s: %v, %v; want 1 and 2", p.Target, p.Err, p.Result)
		}
	}
	res, err := f.UpTo(ctx, 2)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetApplied, len(names))) {
		t.Fatalf("UpTo(2): %v, %v; want every schema applied", err, statesOf(res))
	}
	if progress.Load() != int32(len(names)) {
		t.Fatalf("progress called %d times; want once per schema", progress.Load())
	}
	for i, s := range names {
		if got := versions(res.Targets[i].Result.Applied); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("UpTo(2) applied %v to %s; want 1 and 2", got, s)
		}
		if got := appliedVersions(t, db.DB, s+".hoist_migrations"); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("%s has %v applied; want 1 and 2", s, got)
		}
		if m := markOf(t, db.DB, s); m != "" {
			t.Fatalf("%s is marked up to date at version 2 of 4: %q", s, m)
		}
	}
	res, err = f.UpTo(ctx, 2)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetUpToDate, len(names))) || res.Targets[0].Result != nil {
		t.Fatalf("UpTo(2) again: %v, %v; want every schema up to date from the first reading", err, statesOf(res))
	}
	if res, err = f.Up(ctx); err != nil || res.Count(sdk.TargetApplied) != len(names) {
		t.Fatalf("Up: %v", err)
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" || historyCount(t, db.DB, s) != fleetMigrationCount {
			t.Fatalf("%s after Up: not marked, or %d applied", s, historyCount(t, db.DB, s))
		}
	}
	res, err = f.UpTo(ctx, 2)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetUpToDate, len(names))) {
		t.Fatalf("UpTo(2) on the marked fleet: %v, %v", err, statesOf(res))
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" {
			t.Fatalf("UpTo(2) on the marked fleet unmarked %s", s)
		}
	}

	plans, err = f.PlanRollbackTo(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		if p.Err != nil || !p.Result.DryRun || !slices.Equal(versions(p.Result.Applied), []int64{4, 3}) {
			t.Fatalf("PlanRollbackTo(2) of %s: %v, %+v; want 4 then 3", p.Target, p.Err, p.Result)
		}
	}
	if markOf(t, db.DB, names[0]) == "" {
		t.Fatal("the dry run of the rollback cleared a mark")
	}
	if _, err := f.Ensure(ctx, names[0]); err != nil { // remembered: later calls send nothing
		t.Fatal(err)
	}
	res, err = f.RollbackTo(ctx, 2)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetRolledBack, len(names))) {
		t.Fatalf("RollbackTo(2): %v, %v; want every schema rolled back", err, statesOf(res))
	}
	for i, s := range names {
		if got := versions(res.Targets[i].Result.Applied); !slices.Equal(got, []int64{4, 3}) {
			t.Fatalf("RollbackTo(2) rolled back %v of %s; want 4 then 3", got, s)
		}
		if got := appliedVersions(t, db.DB, s+".hoist_migrations"); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("%s has %v applied after RollbackTo(2); want 1 and 2", s, got)
		}
		if m := markOf(t, db.DB, s); m != "" {
			t.Fatalf("%s is still marked after the rollback: %q", s, m)
		}
	}
	st, err := f.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.String() != "pending 2" {
			t.Fatalf("Status of %s after RollbackTo(2): %s; want pending 2", s.Target, s)
		}
	}
	// Ensure forgets a tenant the fleet rolled back, and migrates it again.
	if r, err := f.Ensure(ctx, names[0]); err != nil || !slices.Equal(versions(r.Applied), []int64{3, 4}) {
		t.Fatalf("Ensure after the rollback: %v, %v; want 3 and 4 applied again", err, r)
	}
	if res, err = f.Up(ctx); err != nil || res.Count(sdk.TargetApplied) != len(names)-1 || res.Targets[0].State != sdk.TargetUpToDate {
		t.Fatalf("Up after the rollback: %v, %v", err, statesOf(res))
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" || historyCount(t, db.DB, s) != fleetMigrationCount {
			t.Fatalf("%s after the last Up: not marked, or %d applied", s, historyCount(t, db.DB, s))
		}
	}
	if _, err := f.UpTo(ctx, 0); err == nil {
		t.Fatal("UpTo(0) succeeded; want the version refused")
	}
	if _, err := f.RollbackTo(ctx, -1); err == nil {
		t.Fatal("RollbackTo(-1) succeeded; want the version refused")
	}
}

// fleetOf is a fleet of df's tenants with the migrations of
// fleetOptions (every one with a down) and opts.
func fleetOf(t *testing.T, df *dbFleet, opts ...sdk.FleetOption) *sdk.Fleet {
	t.Helper()
	return df.fleetWith(t, fleetOptions(), opts...)
}

// TestFleetDatabasesRollbackPolicies: a fleet of MariaDB databases (and
// one of SQLite files) rolls back two steps; on the third tenant the
// second down fails (its tags table was renamed). Stopping at the first
// failure leaves the later tenants as they were; going on rolls back
// every other. The failed tenant reports the down it ran before, and
// its error names the file and line of the failed down.
func TestFleetDatabasesRollbackPolicies(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"mysql", "sqlite"} {
		for _, policy := range []sdk.FailurePolicy{sdk.FleetStopAtFirst, sdk.FleetContinue} {
			t.Run(engine+"/"+strings.ReplaceAll(policy.String(), " ", "_"), func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t)
				df := newDBFleet(t, engine, 5)
				f := fleetOf(t, df, sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(policy))
				if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetApplied) != len(df.names) {
					t.Fatalf("Up: %v", err)
				}
				if _, err := df.tenant(t, df.names[2]).Exec("ALTER TABLE tags RENAME TO tags_kept"); err != nil {
					t.Fatal(err)
				}
				res, err := f.Rollback(ctx, sdk.RollbackOptions{Steps: 2})
				var me *sdk.MigrationError
				if !errors.As(err, &me) || me.Version != 3 || me.Direction != sdk.Down || !strings.Contains(err.Error(), df.names[2]) ||
					!strings.Contains(me.File, "0003_create_tags") || me.Line != 8 {
					t.Fatalf("Rollback: %v; want %s's MigrationError at the down of 0003_create_tags line 8", err, df.names[2])
				}
				for i, tr := range res.Targets {
					want, left := sdk.TargetRolledBack, []int64{1, 2}
					switch {
					case i == 2:
						// 4 rolled back; 3 still applied, as its down
						// failed on its first statement.
						want, left = sdk.TargetFailed, []int64{1, 2, 3}
					case i > 2 && policy == sdk.FleetStopAtFirst:
						want, left = sdk.TargetNotReached, []int64{1, 2, 3, 4}
					}
					if tr.State != want {
						t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want)
					}
					if got := appliedVersions(t, df.tenant(t, tr.Target), "hoist_migrations"); !slices.Equal(got, left) {
						t.Fatalf("%s (%v) has %v applied; want %v", tr.Target, tr.State, got, left)
					}
					if want == sdk.TargetRolledBack && !slices.Equal(versions(tr.Result.Applied), []int64{4, 3}) {
						t.Fatalf("%s rolled back %v; want 4 then 3", tr.Target, versions(tr.Result.Applied))
					}
				}
				if failed := res.Targets[2]; !slices.Equal(versions(failed.Result.Applied), []int64{4}) {
					t.Fatalf("the failed tenant's Result lists %v; want the down of 4 it ran before", versions(failed.Result.Applied))
				}
			})
		}
	}
}

// TestFleetFilesRollbackToZero: RollbackTo(0) on a fleet of SQLite files
// undoes every migration of every file, newest first; the next one finds
// nothing to roll back, and its dry run says so.
func TestFleetFilesRollbackToZero(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	df := newDBFleet(t, "sqlite", 4)
	f := fleetOf(t, df, sdk.WithFleetConcurrency(2))
	if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetApplied) != len(df.names) {
		t.Fatalf("Up: %v", err)
	}
	res, err := f.RollbackTo(ctx, 0)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetRolledBack, len(df.names))) {
		t.Fatalf("RollbackTo(0): %v, %v", err, statesOf(res))
	}
	for _, tr := range res.Targets {
		if got := versions(tr.Result.Applied); !slices.Equal(got, []int64{4, 3, 2, 1}) {
			t.Fatalf("%s: rolled back %v; want 4, 3, 2, 1", tr.Target, got)
		}
		db := df.tenant(t, tr.Target)
		if got := appliedVersions(t, db, "hoist_migrations"); len(got) != 0 {
			t.Fatalf("%s has %v applied after RollbackTo(0)", tr.Target, got)
		}
		if n := countRows(t, db, "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'posts', 'tags')"); n != 0 {
			t.Fatalf("%s keeps %d of the tables after RollbackTo(0)", tr.Target, n)
		}
	}
	res, err = f.RollbackTo(ctx, 0)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetUpToDate, len(df.names))) || len(res.Targets[0].Result.Applied) != 0 {
		t.Fatalf("RollbackTo(0) again: %v, %v; want nothing to roll back anywhere", err, statesOf(res))
	}
	dry, err := f.Rollback(ctx, sdk.RollbackOptions{DryRun: true})
	if err != nil || !slices.Equal(statesOf(dry), sameStates(sdk.TargetUpToDate, len(df.names))) {
		t.Fatalf("Rollback dry run on rolled back files: %v, %v", err, statesOf(dry))
	}
}

// TestFleetDatabasesRollbackCancel: a context cancelled while the second
// MariaDB database rolls back stops the run there; each target reports
// its true state, which its history confirms, and the targets not
// reached keep every migration.
func TestFleetDatabasesRollbackCancel(t *testing.T) {
	t.Parallel()
	df := newDBFleet(t, "mysql", 5)
	ctx, cancel := context.WithCancel(testContext(t))
	var downs atomic.Int32
	cancelling := sdk.GoMigration(6, "cancel_on_second_tenant",
		func(context.Context, sdk.Tx) error { return nil },
		func(context.Context, sdk.Tx) error {
			if downs.Add(1) == 2 {
				cancel()
			}
			return nil
		})
	f := fleetOf(t, df, sdk.WithTargetOptions(sdk.WithMigrations(cancelling)), sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(sdk.FleetContinue))
	if res, err := f.Up(testContext(t)); err != nil || res.Count(sdk.TargetApplied) != len(df.names) {
		t.Fatalf("Up: %v", err)
	}
	res, err := f.RollbackTo(ctx, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RollbackTo: %v; want context.Canceled", err)
	}
	want := []sdk.TargetState{sdk.TargetRolledBack, sdk.TargetFailed, sdk.TargetNotReached, sdk.TargetNotReached, sdk.TargetNotReached}
	for i, tr := range res.Targets {
		if i == 1 && tr.State == sdk.TargetRolledBack { // its last commit won the race
			continue
		}
		if tr.State != want[i] {
			t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want[i])
		}
	}
	all := fleetMigrationCount + 1
	for i, tr := range res.Targets {
		got := len(appliedVersions(t, df.tenant(t, tr.Target), "hoist_migrations"))
		switch {
		case i == 0 && got != 0:
			t.Fatalf("%s, rolled back, has %d applied", tr.Target, got)
		case i == 1 && got != all-len(tr.Result.Applied):
			t.Fatalf("%s: the Result lists %d rolled back, its history keeps %d of %d", tr.Target, len(tr.Result.Applied), got, all)
		case i > 1 && got != all:
			t.Fatalf("%s, not reached, has %d applied; want %d", tr.Target, got, all)
		}
	}
	if res.Targets[1].State == sdk.TargetFailed && !errors.Is(res.Targets[1].Err, context.Canceled) {
		t.Fatalf("the cancelled tenant's error: %v; want context.Canceled", res.Targets[1].Err)
	}
	res, err = f.RollbackTo(testContext(t), 0)
	if err != nil || res.Count(sdk.TargetRolledBack)+res.Count(sdk.TargetUpToDate) != len(df.names) {
		t.Fatalf("the next run: %v, %v", err, statesOf(res))
	}
}

// TestFleetRollbackPinsWhatItRead: a relative rollback decides what to
// roll back on a tenant from the history it read first. A tenant whose
// lock another migrator holds is skipped in the first pass; when that
// migrator rolls back the tenant's last batch meanwhile, the fleet's
// second pass finds those migrations gone and rolls back nothing more,
// rather than the batch before.
func TestFleetRollbackPinsWhatItRead(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 3)
	setup, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.UpTo(ctx, 2); err != nil { // batch 1: 1 and 2
		t.Fatal(err)
	}
	if _, err := setup.Up(ctx); err != nil { // batch 2: 3 and 4
		t.Fatal(err)
	}
	// Another migrator of tenant_01 holds its lock while it applies a
	// migration 5 of its own, until the fleet is done with the others;
	// then it rolls back to 2 (5, 4 and 3) as another process would.
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	hold := sdk.GoMigration(5, "hold", func(context.Context, sdk.Tx) error {
		close(held)
		<-release
		return nil
	}, func(context.Context, sdk.Tx) error { return nil })
	holding, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions(), sdk.WithTargetOptions(sdk.WithMigrations(hold)))
	if err != nil {
		t.Fatal(err)
	}
	other, err := holding.Migrator(names[1])
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := other.Up(ctx)
		done <- err
	}()
	<-held
	var seen []string
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions(), sdk.WithFleetConcurrency(1),
		sdk.WithFleetProgress(func(tr sdk.TargetResult, _, _ int) {
			seen = append(seen, tr.Target)
			if len(seen) != 2 { // tenant_00 and tenant_02 are done, tenant_01 skipped
				return
			}
			close(release)
			if err := <-done; err != nil {
				t.Errorf("the other migrator's Up: %v", err)
			}
			if _, err := other.RollbackTo(ctx, 2); err != nil {
				t.Errorf("the other migrator's rollback: %v", err)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Rollback(ctx, sdk.RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []string{names[0], names[2], names[1]}) {
		t.Fatalf("the targets ended in the order %v; want %s skipped in the first pass", seen, names[1])
	}
	for i, s := range names {
		if got := appliedVersions(t, db.DB, s+".hoist_migrations"); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("%s (%v) has %v applied; want 1 and 2: the batch it had when the fleet read it rolled back once, the one before kept",
				s, res.Targets[i].State, got)
		}
	}
	if st := []sdk.TargetState{res.Targets[0].State, res.Targets[1].State, res.Targets[2].State}; !slices.Equal(st,
		[]sdk.TargetState{sdk.TargetRolledBack, sdk.TargetUpToDate, sdk.TargetRolledBack}) {
		t.Fatalf("states %v; want %s with nothing left to roll back", st, names[1])
	}
}

// TestFleetsUpToAndRollback: Fleets over two servers (two MariaDB fleets
// of their own prefixes stand for them) run UpTo, Rollback with its dry
// run, and RollbackTo on every target, each result naming its server.
func TestFleetsUpToAndRollback(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	a, b := newDBFleet(t, "mysql", 2), newDBFleet(t, "sqlite", 2)
	fs, err := sdk.NewFleets([]sdk.FleetServer{{Name: "a", Fleet: fleetOf(t, a)}, {Name: "b", Fleet: fleetOf(t, b)}}, sdk.WithFleetConcurrency(2))
	if err != nil {
		t.Fatal(err)
	}
	res, err := fs.UpTo(ctx, 3)
	if err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetApplied, 4)) || res.Targets[0].Server != "a" || res.Targets[3].Server != "b" {
		t.Fatalf("UpTo(3): %v, %+v", err, res.Targets)
	}
	plans, err := fs.PlanTo(ctx, 3)
	if err != nil || len(plans) != 4 || len(plans[3].Result.Applied) != 0 || plans[3].Server != "b" {
		t.Fatalf("PlanTo(3) after UpTo(3): %v, %+v", err, plans)
	}
	dry, err := fs.Rollback(ctx, sdk.RollbackOptions{Steps: 1, DryRun: true})
	if err != nil || !slices.Equal(statesOf(dry), sameStates(sdk.TargetRolledBack, 4)) || !dry.Targets[0].Result.DryRun ||
		!slices.Equal(versions(dry.Targets[2].Result.Applied), []int64{3}) {
		t.Fatalf("dry run of Rollback(1): %v, %+v", err, dry.Targets)
	}
	if got := appliedVersions(t, a.tenant(t, a.names[0]), "hoist_migrations"); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("the dry run changed %s: %v", a.names[0], got)
	}
	if res, err = fs.Rollback(ctx, sdk.RollbackOptions{}); err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetRolledBack, 4)) {
		t.Fatalf("Rollback: %v, %v", err, statesOf(res))
	}
	if res, err = fs.RollbackTo(ctx, 0); err != nil || !slices.Equal(statesOf(res), sameStates(sdk.TargetUpToDate, 4)) {
		t.Fatalf("RollbackTo(0) after rolling back the only batch: %v, %v", err, statesOf(res))
	}
	for _, df := range []*dbFleet{a, b} {
		for _, s := range df.names {
			if got := appliedVersions(t, df.tenant(t, s), "hoist_migrations"); len(got) != 0 {
				t.Fatalf("%s keeps %v", s, got)
			}
		}
	}
	if _, err := fs.UpTo(ctx, -1); err == nil {
		t.Fatal("Fleets.UpTo(-1) succeeded; want the version refused")
	}
}

// TestFleetUpToDoesNotSeed: a fleet of SQLite files that seeds
// (WithFleetSeeding) seeds after Up, not after UpTo or a rollback:
// seeders are written for every migration.
func TestFleetUpToDoesNotSeed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	df := newDBFleet(t, "sqlite", 2)
	f := fleetOf(t, df, fleetSeeds(), sdk.WithFleetSeeding())
	res, err := f.UpTo(ctx, 3)
	if err != nil || res.Count(sdk.TargetApplied) != len(df.names) {
		t.Fatalf("UpTo(3): %v, %v", err, statesOf(res))
	}
	for _, tr := range res.Targets {
		if tr.Seed != nil || countRows(t, df.tenant(t, tr.Target), "SELECT count(*) FROM tags") != 1 {
			t.Fatalf("%s was seeded by UpTo: %+v", tr.Target, tr.Seed)
		}
	}
	if res, err = f.Up(ctx); err != nil || res.Targets[0].Seed == nil || len(res.Targets[0].Seed.Ran) != 1 {
		t.Fatalf("Up: %v, %+v; want the seeder run", err, res.Targets[0].Seed)
	}
	if res, err = f.Rollback(ctx, sdk.RollbackOptions{}); err != nil || res.Targets[0].Seed != nil || res.Count(sdk.TargetRolledBack) != len(df.names) {
		t.Fatalf("Rollback: %v, %v, %+v; want no seeding", err, statesOf(res), res.Targets[0].Seed)
	}
}
