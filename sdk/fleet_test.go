package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// fleetMigrations is lifecycleFS and a Go migration: 4 migrations, in SQL
// files of each layout and Go, all with unqualified names.
func fleetOptions() sdk.FleetOption {
	return sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), quiet())
}

const fleetMigrationCount = 4

// createSchemas creates n schemas named prefix_00, prefix_01, ...
func createSchemas(t *testing.T, db *testkit.DB, prefix string, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		s := fmt.Sprintf("%s_%02d", prefix, i)
		if _, err := db.DB.Exec("CREATE SCHEMA " + s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	return names
}

// historyCount counts the applied history rows of schema.
func historyCount(t *testing.T, db *sql.DB, schema string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".hoist_migrations WHERE state = 'applied'").Scan(&n); err != nil {
		t.Fatalf("%s: %v", schema, err)
	}
	return n
}

// TestFleetTwoPoolsShareTheWork: two fleets on separate pools migrate 20
// tenant schemas at once; every migration is applied exactly once, in its
// tenant's schema (the Go migration's unqualified INSERT included), and
// nothing lands in public.
func TestFleetTwoPoolsShareTheWork(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 20)
	other, _ := openCounting(t, db)
	var (
		wg       sync.WaitGroup
		results  [2]*sdk.FleetResult
		errs     [2]error
		progress [2][]int
	)
	for i, pool := range []*sql.DB{db.DB, other} {
		f, err := sdk.NewFleet(pool, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), sdk.WithFleetConcurrency(3),
			sdk.WithFleetProgress(func(tr sdk.TargetResult, done, total int) {
				progress[i] = append(progress[i], done)
				if total != len(names) || tr.Target == "" {
					t.Errorf("progress: %+v %d/%d", tr, done, total)
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.Up(ctx)
		}()
	}
	wg.Wait()
	applied := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("fleet %d: %v", i, errs[i])
		}
		if len(results[i].Targets) != len(names) {
			t.Fatalf("fleet %d saw %d targets; want %d", i, len(results[i].Targets), len(names))
		}
		for _, tr := range results[i].Targets {
			if tr.State != sdk.TargetApplied && tr.State != sdk.TargetUpToDate {
				t.Fatalf("fleet %d: %s is %v", i, tr.Target, tr.State)
			}
			if tr.Result != nil {
				applied += len(tr.Result.Applied)
			}
		}
	}
	for i := range progress {
		if len(progress[i]) != len(names) {
			t.Fatalf("fleet %d reported progress %v; want once per target", i, progress[i])
		}
		for j, done := range progress[i] {
			if done != j+1 {
				t.Fatalf("fleet %d reported progress %v; want 1..%d, once per target", i, progress[i], len(names))
			}
		}
	}
	if want := len(names) * fleetMigrationCount; applied != want {
		t.Fatalf("the two fleets applied %d migrations in all; want each of %d exactly once", applied, want)
	}
	for _, s := range names {
		if n := historyCount(t, db.DB, s); n != fleetMigrationCount {
			t.Fatalf("%s has %d applied rows; want %d", s, n, fleetMigrationCount)
		}
		var admins int
		if err := db.DB.QueryRow("SELECT count(*) FROM " + s + ".users WHERE name = 'admin'").Scan(&admins); err != nil || admins != 1 {
			t.Fatalf("%s.users: %d admins, %v; want the Go migration's one row", s, admins, err)
		}
	}
	if tableExists(t, db, "users") || tableExists(t, db, "hoist_migrations") {
		t.Fatal("a fleet migration created a table in public")
	}
}

// failingTenant makes the create_posts migration fail in schema: the
// table is there already.
func failingTenant(t *testing.T, db *testkit.DB, schema string) {
	t.Helper()
	if _, err := db.DB.Exec("CREATE TABLE " + schema + ".posts (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
}

// TestFleetFailurePolicies: one tenant whose second migration fails.
// Stopping at the first failure leaves the later tenants untouched and
// says so; going on completes every other tenant. Both report the failed
// one with its file, and Status shows the matrix.
func TestFleetFailurePolicies(t *testing.T) {
	t.Parallel()
	for _, policy := range []sdk.FailurePolicy{sdk.FleetStopAtFirst, sdk.FleetContinue} {
		t.Run(fmt.Sprint(policy), func(t *testing.T) {
			t.Parallel()
			db := testkit.Postgres(t)
			ctx := testContext(t)
			names := createSchemas(t, db, "tenant", 6)
			failingTenant(t, db, "tenant_02")
			f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions(),
				sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(policy))
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.Up(ctx)
			var me *sdk.MigrationError
			if !errors.As(err, &me) || me.Version != 2 || !strings.Contains(err.Error(), "tenant_02") || !strings.Contains(me.File, "0002_create_posts") {
				t.Fatalf("Up: %v; want tenant_02's MigrationError at version 2, file 0002_create_posts", err)
			}
			for i, tr := range res.Targets {
				want := sdk.TargetApplied
				switch {
				case i == 2:
					want = sdk.TargetFailed
				case i > 2 && policy == sdk.FleetStopAtFirst:
					want = sdk.TargetNotReached
				}
				if tr.State != want {
					t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want)
				}
			}
			st, err := f.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range st {
				want := "up to date"
				switch {
				case i == 2:
					// The transaction undid the migration and its history
					// row; this process remembers the failure.
					want = "failed at 2"
				case i > 2 && policy == sdk.FleetStopAtFirst:
					want = fmt.Sprintf("pending %d", fleetMigrationCount)
				}
				if s.String() != want || s.Target != names[i] {
					t.Fatalf("Status row %d: %s %s; want %s %s", i, s.Target, s, names[i], want)
				}
				if i == 2 && (!errors.As(s.Err, &me) || !strings.Contains(me.File, "0002_create_posts") || s.Pending != fleetMigrationCount-1) {
					t.Fatalf("Status of tenant_02: Err %v, pending %d; want the MigrationError of 0002_create_posts, %d pending", s.Err, s.Pending, fleetMigrationCount-1)
				}
			}
			// Another process's Fleet reads only the history, which a
			// rolled-back migration leaves as it was.
			other, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names[2]), fleetOptions())
			if err != nil {
				t.Fatal(err)
			}
			if st, err := other.Status(ctx); err != nil || st[0].String() != fmt.Sprintf("pending %d", fleetMigrationCount-1) || st[0].Err != nil {
				t.Fatalf("another Fleet's Status: %v %v; want pending %d and no error", st, err, fleetMigrationCount-1)
			}
			// Fixed, the next run completes the fleet: each target keeps its
			// own history.
			if _, err := db.DB.Exec("DROP TABLE tenant_02.posts"); err != nil {
				t.Fatal(err)
			}
			if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetUpToDate)+res.Count(sdk.TargetApplied) != len(names) {
				t.Fatalf("second Up: %v", err)
			}
		})
	}
}

// TestFleetNoopBootIsAFewStatements: 50 up-to-date tenant schemas cost
// two statements in all (the pattern's schema list, the catalog query
// for history tables and up-to-date marks; the marks spare the UNION ALL
// of the histories), and a target list one.
func TestFleetNoopBootIsAFewStatements(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 50)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), sdk.WithFleetConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Up(ctx); err != nil {
		t.Fatal(err)
	}
	counted, n := openCounting(t, db)
	for _, tc := range []struct {
		targets sdk.Targets
		want    int64
	}{{sdk.TargetPattern("tenant_*"), 2}, {sdk.TargetList(names...), 1}} {
		f, err := sdk.NewFleet(counted, db.Dialect, tc.targets, fleetOptions())
		if err != nil {
			t.Fatal(err)
		}
		n.Store(0)
		res, err := f.Up(ctx)
		if err != nil || res.Count(sdk.TargetUpToDate) != len(names) {
			t.Fatalf("no-op fleet Up: %v", err)
		}
		if got := n.Load(); got != tc.want {
			t.Fatalf("a no-op boot of %d schemas sent %d statements; want %d", len(names), got, tc.want)
		}
	}
	// A tenant whose history is not clearly up to date goes through its
	// own boot, and only that one.
	if _, err := db.DB.Exec("DELETE FROM tenant_07.hoist_migrations WHERE version = 4; DELETE FROM tenant_07.users"); err != nil {
		t.Fatal(err)
	}
	f, err = sdk.NewFleet(counted, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Up(ctx)
	if err != nil || res.Count(sdk.TargetApplied) != 1 || res.Targets[7].State != sdk.TargetApplied || len(res.Targets[7].Result.Applied) != 1 {
		t.Fatalf("Up after tenant_07 lost version 4: %v %+v", err, res.Targets[7])
	}
}

// TestFleetEnsure: Ensure creates a new tenant's schema and migrates it
// (and seeds it, given seeders) in one call, then remembers: the second
// call sends nothing.
func TestFleetEnsure(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	counted, n := openCounting(t, db)
	f, err := sdk.NewFleet(counted, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Ensure(ctx, "tenant_new")
	if err != nil || len(res.Applied) != fleetMigrationCount {
		t.Fatalf("Ensure of a new tenant: %v, %v", err, res)
	}
	if got := historyCount(t, db.DB, "tenant_new"); got != fleetMigrationCount {
		t.Fatalf("tenant_new has %d applied rows", got)
	}
	n.Store(0)
	if res, err := f.Ensure(ctx, "tenant_new"); err != nil || len(res.Applied) != 0 {
		t.Fatalf("second Ensure: %v, %v", err, res)
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("a second Ensure sent %d statements; want none", got)
	}
	// With seeders, a new tenant is created, migrated and seeded in one
	// call, its seed in its own schema.
	seeds := fstest.MapFS{"10_owner.sql": {Data: []byte("-- +hoist once\nINSERT INTO users (id, name) VALUES (2, 'owner');\n")}}
	seeded, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), sdk.WithTargetOptions(sdk.WithSeedFS(seeds)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seeded.Ensure(ctx, "tenant_seeded"); err != nil {
		t.Fatal(err)
	}
	var owners int
	if err := db.DB.QueryRow("SELECT count(*) FROM tenant_seeded.users WHERE name = 'owner'").Scan(&owners); err != nil || owners != 1 {
		t.Fatalf("tenant_seeded.users: %d owners, %v; want the seed's row", owners, err)
	}
	if _, err := f.Ensure(ctx, "bad.name"); err == nil {
		t.Fatal("Ensure of a dotted schema name succeeded")
	}
}

// TestFleetTargets: a pattern lists only the matching schemas; a function
// lists what it returns.
func TestFleetTargets(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	createSchemas(t, db, "tenant", 3)
	createSchemas(t, db, "other", 2)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Targets(ctx)
	if err != nil || strings.Join(got, ",") != "tenant_00,tenant_01,tenant_02" {
		t.Fatalf("pattern targets: %v, %v", got, err)
	}
	f, err = sdk.NewFleet(db.DB, db.Dialect, sdk.TargetFunc(func(ctx context.Context) ([]string, error) {
		return []string{"other_01"}, nil
	}), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Up(ctx)
	if err != nil || len(res.Targets) != 1 || res.Targets[0].State != sdk.TargetApplied {
		t.Fatalf("func targets: %v, %+v", err, res)
	}
	if _, err := db.DB.Exec("SELECT 1 FROM other_00.hoist_migrations"); err == nil {
		t.Fatal("other_00, not listed, was migrated")
	}
	// A listed schema that does not exist fails alone, named, and Status
	// says so; the others are migrated.
	f, err = sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList("ghost", "other_00"), fleetOptions(), sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		t.Fatal(err)
	}
	res, err = f.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "schema ghost does not exist") || !errors.Is(res.Targets[0].Err, sdk.ErrNoTarget) ||
		res.Targets[0].State != sdk.TargetFailed || res.Targets[1].State != sdk.TargetApplied {
		t.Fatalf("Up with a missing schema: %v, %+v", err, res.Targets)
	}
	createSchemas(t, db, "spare", 1)
	stop, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList("ghost", "spare_00"), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res, err := stop.Up(ctx); err == nil || res.Targets[1].State != sdk.TargetNotReached {
		t.Fatalf("Up with a missing schema, stopping at the first failure: %v, %+v", err, res.Targets)
	}
	st, err := f.Status(ctx)
	if err != nil || st[0].String() != "no schema" || !st[1].UpToDate() {
		t.Fatalf("Status with a missing schema: %v, %v", st, err)
	}
}

// TestFleetCancelBetweenTargets: a context cancelled while the second
// tenant migrates stops the run there. The first tenant is reported
// applied, the second with a Result that matches its history (failed
// with the context's error, or applied if its commit won the race), the rest not reached and untouched; the next run
// completes the fleet.
func TestFleetCancelBetweenTargets(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	names := createSchemas(t, db, "tenant", 5)
	ctx, cancel := context.WithCancel(testContext(t))
	var calls atomic.Int32
	cancelling := sdk.GoMigration(5, "cancel_on_second_tenant",
		func(ctx context.Context, tx sdk.Tx) error {
			if calls.Add(1) == 2 {
				cancel()
			}
			return nil
		}, nil)
	opts := sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin, cancelling), quiet())
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), opts, sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Up(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up: %v; want context.Canceled", err)
	}
	want := []sdk.TargetState{sdk.TargetApplied, sdk.TargetFailed, sdk.TargetNotReached, sdk.TargetNotReached, sdk.TargetNotReached}
	for i, tr := range res.Targets {
		// Cancelled in its last migration, tenant_01 may have committed
		// it or not: either is fine as long as it is reported truly.
		if i == 1 && tr.State == sdk.TargetApplied {
			continue
		}
		if tr.State != want[i] {
			t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want[i])
		}
	}
	if got := historyCount(t, db.DB, "tenant_01"); got != len(res.Targets[1].Result.Applied) {
		t.Fatalf("tenant_01: the Result lists %d applied, its history %d", len(res.Targets[1].Result.Applied), got)
	}
	for _, s := range names[2:] {
		var reg sql.NullString
		if err := db.DB.QueryRow("SELECT to_regclass('" + s + ".hoist_migrations')::text").Scan(&reg); err != nil || reg.Valid {
			t.Fatalf("%s, not reached, has a history table (%v)", s, err)
		}
	}
	res, err = f.Up(testContext(t))
	if err != nil || res.Count(sdk.TargetUpToDate)+res.Count(sdk.TargetApplied) != len(names) {
		t.Fatalf("the next run: %v", err)
	}
	for _, s := range names {
		if got := historyCount(t, db.DB, s); got != fleetMigrationCount+1 {
			t.Fatalf("%s has %d applied rows after the next run", s, got)
		}
	}
}

// TestNewFleetRefuses: what a fleet cannot run under the tenant's search
// path, or cannot name, fails at NewFleet, naming it, before anything is
// sent. A migration or seeder outside a transaction is refused only with
// the lease lock, whose transaction pooler could hand the session's
// search_path to another client (fleet_notx_test.go runs them).
func TestNewFleetRefuses(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	noTx := fstest.MapFS{"0001_index.sql": {Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n")}}
	noTxSeed := fstest.MapFS{"01_users.sql": {Data: []byte("-- +hoist no-transaction\nINSERT INTO users VALUES (1);\n")}}
	for _, tc := range []struct {
		name    string
		targets sdk.Targets
		opts    []sdk.FleetOption
		want    string
	}{
		{"no-transaction migration under a lease", sdk.TargetList("a"), []sdk.FleetOption{sdk.WithTargetOptions(sdk.WithFS(noTx), sdk.WithLockMode(sdk.LockLease))}, "0001_index.sql"},
		{"no-transaction seeder under a lease", sdk.TargetList("a"), []sdk.FleetOption{fleetOptions(), sdk.WithTargetOptions(sdk.WithSeedFS(noTxSeed), sdk.WithLockMode(sdk.LockLease))}, "01_users.sql"},
		{"dotted schema", sdk.TargetList("a.b"), []sdk.FleetOption{fleetOptions()}, `"a.b"`},
		{"quoted schema", sdk.TargetList(`Tenant 'O\Brien"`), []sdk.FleetOption{fleetOptions()}, `a schema name must be letters`},
		{"bad pattern", sdk.TargetPattern("tenant_["), []sdk.FleetOption{fleetOptions()}, "tenant_["},
		{"no targets", sdk.Targets{}, []sdk.FleetOption{fleetOptions()}, "no targets"},
		{"zero concurrency", sdk.TargetList("a"), []sdk.FleetOption{fleetOptions(), sdk.WithFleetConcurrency(0)}, "WithFleetConcurrency"},
	} {
		_, err := sdk.NewFleet(db.DB, db.Dialect, tc.targets, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewFleet: %v; want an error naming %s", tc.name, err, tc.want)
		}
	}
	for name, opts := range map[string][]sdk.FleetOption{
		"no-transaction migration": {sdk.WithTargetOptions(sdk.WithFS(noTx))},
		"no-transaction seeder":    {fleetOptions(), sdk.WithTargetOptions(sdk.WithSeedFS(noTxSeed))},
	} {
		if _, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList("a"), opts...); err != nil {
			t.Errorf("%s with the session lock: NewFleet: %v; want it accepted", name, err)
		}
	}
	if _, err := sdk.NewFleet(testkit.SQLite(t).DB, testkit.SQLite(t).Dialect, sdk.TargetList("a"), fleetOptions()); err == nil {
		t.Error("NewFleet on SQLite succeeded; fleets of schemas are PostgreSQL's")
	}
}
