package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/internal/pgserver"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleNewFleets migrates the tenant_* schemas of two PostgreSQL
// servers as one fleet: eight tenants at once in all, and the first
// failure on either server stops both.
func ExampleNewFleets() {
	ctx := context.Background()
	var servers []sdk.FleetServer
	for _, host := range []string{"db1:5432", "db2:5432"} {
		db, err := sql.Open("pgx", "postgres://app@"+host+"/app")
		if err != nil {
			log.Fatal(err)
		}
		fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
			sdk.WithTargetOptions(sdk.WithFS(migrationsFS)))
		if err != nil {
			log.Fatal(err)
		}
		servers = append(servers, sdk.FleetServer{Name: host, Fleet: fleet})
	}
	fleets, err := sdk.NewFleets(servers, sdk.WithFleetConcurrency(8),
		sdk.WithFleetProgress(func(t sdk.TargetResult, done, total int) {
			log.Printf("[%d/%d] %s %s %v", done, total, t.Server, t.Target, t.State)
		}))
	if err != nil {
		log.Fatal(err)
	}
	if res, err := fleets.Up(ctx); err != nil {
		log.Printf("%d of %d tenants failed: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
}

// secondServer starts a PostgreSQL server of the test's own, beside
// testkit's, and returns a pool on its postgres database.
func secondServer(t *testing.T) (*sql.DB, string) {
	t.Helper()
	url := pgserver.Start(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, url
}

// createSchemasOn creates n schemas named prefix_00, prefix_01, ... in
// db.
func createSchemasOn(t *testing.T, db *sql.DB, prefix string, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		s := fmt.Sprintf("%s_%02d", prefix, i)
		if _, err := db.Exec("CREATE SCHEMA " + s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	return names
}

// twoServers is a fleet of n tenant schemas on testkit's server (named
// "a") and n of the same names on a second server ("b").
type twoServers struct {
	a, b   *sql.DB
	names  []string
	urlB   string
	testDB *testkit.DB
}

func newTwoServers(t *testing.T, n int) *twoServers {
	t.Helper()
	db := testkit.Postgres(t)
	b, url := secondServer(t)
	ts := &twoServers{a: db.DB, b: b, urlB: url, testDB: db}
	ts.names = createSchemasOn(t, db.DB, "tenant", n)
	createSchemasOn(t, b, "tenant", n)
	return ts
}

// fleets builds the Fleets of both servers with opts (and target
// options to on each server's fleet).
func (ts *twoServers) fleets(t *testing.T, target sdk.FleetOption, opts ...sdk.FleetOption) *sdk.Fleets {
	t.Helper()
	var servers []sdk.FleetServer
	for i, db := range []*sql.DB{ts.a, ts.b} {
		f, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"), target)
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, sdk.FleetServer{Name: string(rune('a' + i)), Fleet: f})
	}
	fs, err := sdk.NewFleets(servers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestFleetsTwoServers: the same tenant names on two servers are
// distinct targets, each migrated once on its own server, reported with
// its server, and counted together by the progress; a second run finds
// every target up to date from the scan of each server.
func TestFleetsTwoServers(t *testing.T) {
	t.Parallel()
	ts := newTwoServers(t, 5)
	ctx := testContext(t)
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		last int
	)
	fs := ts.fleets(t, fleetOptions(), sdk.WithFleetConcurrency(3),
		sdk.WithFleetProgress(func(tr sdk.TargetResult, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			seen[tr.Server+"/"+tr.Target]++
			if total != 10 || done != last+1 {
				t.Errorf("progress %s/%s: %d/%d after %d", tr.Server, tr.Target, done, total, last)
			}
			last = done
		}))
	res, err := fs.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 10 || res.Count(sdk.TargetApplied) != 10 || len(seen) != 10 {
		t.Fatalf("Up: %d targets, %d applied, %d reported; want 10 of each", len(res.Targets), res.Count(sdk.TargetApplied), len(seen))
	}
	for i, tr := range res.Targets {
		server := []string{"a", "b"}[i/5]
		if tr.Server != server || tr.Target != ts.names[i%5] || len(tr.Result.Applied) != fleetMigrationCount {
			t.Fatalf("result %d: %s on %q, %d applied; want %s on %s, %d", i, tr.Target, tr.Server, len(tr.Result.Applied), ts.names[i%5], server, fleetMigrationCount)
		}
	}
	for _, db := range []*sql.DB{ts.a, ts.b} {
		for _, s := range ts.names {
			if got := historyCount(t, db, s); got != fleetMigrationCount {
				t.Fatalf("%s has %d applied rows; want %d", s, got, fleetMigrationCount)
			}
			// Fleets.Up marks each server's schemas as Fleet.Up does.
			if markOf(t, db, s) == "" {
				t.Fatalf("%s is not marked up to date after Fleets.Up", s)
			}
		}
	}
	st, err := fs.Status(ctx)
	if err != nil || len(st) != 10 {
		t.Fatalf("Status: %d rows, %v", len(st), err)
	}
	for i, s := range st {
		if !s.UpToDate() || s.Server != []string{"a", "b"}[i/5] {
			t.Fatalf("Status row %d: %s on %q %s", i, s.Target, s.Server, s)
		}
	}
	mu.Lock()
	last = 0
	mu.Unlock()
	res, err = fs.Up(ctx)
	if err != nil || res.Count(sdk.TargetUpToDate) != 10 {
		t.Fatalf("second Up: %d up to date, %v", res.Count(sdk.TargetUpToDate), err)
	}
	for _, tr := range res.Targets {
		if tr.Result != nil {
			t.Fatalf("second Up ran %s on %s; the scan finds it up to date", tr.Target, tr.Server)
		}
	}
	// The no-op boot of both servers together costs what each server's
	// own costs, and no statement more.
	var (
		servers []sdk.FleetServer
		alone   int64
		counts  []*atomic.Int64
	)
	for i, db := range []*testkit.DB{ts.testDB, {DB: ts.b, DSN: ts.urlB, Driver: "pgx", Dialect: postgres.New()}} {
		counted, n := openCounting(t, db)
		f, err := sdk.NewFleet(counted, postgres.New(), sdk.TargetPattern("tenant_*"), fleetOptions())
		if err != nil {
			t.Fatal(err)
		}
		if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetUpToDate) != 5 {
			t.Fatalf("server %d alone: %v", i, err)
		}
		alone += n.Swap(0)
		servers, counts = append(servers, sdk.FleetServer{Name: fmt.Sprint(i), Fleet: f}), append(counts, n)
	}
	both, err := sdk.NewFleets(servers)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := both.Up(ctx); err != nil || res.Count(sdk.TargetUpToDate) != 10 {
		t.Fatalf("no-op Up of both: %v", err)
	}
	if got := counts[0].Load() + counts[1].Load(); got != alone || alone == 0 {
		t.Fatalf("the no-op boot of both servers sent %d statements; each alone, %d in all", got, alone)
	}
	t.Logf("a no-op boot of 2 servers × 5 schemas: %d statements", alone)
}

// TestFleetsFailurePolicies: one tenant of the second server fails.
// The targets run in turn, one of each server, so it is the second to
// run: stopping at the first failure leaves every later target of both
// servers untouched; going on completes all of them. The error names
// the target and its server.
func TestFleetsFailurePolicies(t *testing.T) {
	t.Parallel()
	for _, policy := range []sdk.FailurePolicy{sdk.FleetStopAtFirst, sdk.FleetContinue} {
		t.Run(strings.ReplaceAll(policy.String(), " ", "_"), func(t *testing.T) {
			t.Parallel()
			ts := newTwoServers(t, 3)
			ctx := testContext(t)
			if _, err := ts.b.Exec("CREATE TABLE tenant_00.posts (id INTEGER)"); err != nil {
				t.Fatal(err)
			}
			fs := ts.fleets(t, fleetOptions(), sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(policy))
			res, err := fs.Up(ctx)
			var me *sdk.MigrationError
			if !errors.As(err, &me) || me.Version != 2 || !strings.Contains(err.Error(), "tenant_00 on server b") {
				t.Fatalf("Up: %v; want the MigrationError of tenant_00 on server b at version 2", err)
			}
			for i, tr := range res.Targets {
				want := sdk.TargetApplied
				switch {
				case i == 3: // b's tenant_00
					want = sdk.TargetFailed
				case i > 0 && policy == sdk.FleetStopAtFirst: // all but a's tenant_00, which ran first
					want = sdk.TargetNotReached
				}
				if tr.State != want {
					t.Fatalf("%s on %s: %v; want %v", tr.Target, tr.Server, tr.State, want)
				}
			}
			st, err := fs.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st[3].Server != "b" || st[3].String() != "failed at 2" {
				t.Fatalf("Status of b's tenant_00: %q %s; want b, failed at 2", st[3].Server, st[3])
			}
			if _, err := ts.b.Exec("DROP TABLE tenant_00.posts"); err != nil {
				t.Fatal(err)
			}
			if res, err := fs.Up(ctx); err != nil || res.Count(sdk.TargetFailed)+res.Count(sdk.TargetNotReached) != 0 {
				t.Fatalf("the run after the fix: %v", err)
			}
		})
	}
}

// TestFleetsCancel: a context cancelled while the second target (the
// first of the second server) migrates stops the run on both servers.
// Every target is reported as it is: the first applied, the second as
// its history says, the others not reached and untouched. The next run
// completes both servers.
func TestFleetsCancel(t *testing.T) {
	t.Parallel()
	ts := newTwoServers(t, 3)
	ctx, cancel := context.WithCancel(testContext(t))
	var calls atomic.Int32
	cancelling := sdk.GoMigration(5, "cancel_on_second_target",
		func(ctx context.Context, tx sdk.Tx) error {
			if calls.Add(1) == 2 {
				cancel()
			}
			return nil
		}, nil)
	opts := sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin, cancelling), quiet())
	fs := ts.fleets(t, opts, sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(sdk.FleetContinue))
	res, err := fs.Up(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up: %v; want context.Canceled", err)
	}
	dbs := []*sql.DB{ts.a, ts.b}
	for i, tr := range res.Targets {
		db, schema := dbs[i/3], tr.Target
		switch i {
		case 0:
			if tr.State != sdk.TargetApplied {
				t.Fatalf("a's %s: %v; want applied", schema, tr.State)
			}
		case 3:
			// Cancelled in its last migration, it may have committed it or
			// not: either, as long as the result says what the history does.
			if tr.State != sdk.TargetFailed && tr.State != sdk.TargetApplied {
				t.Fatalf("b's %s: %v; want failed or applied", schema, tr.State)
			}
			if got := historyCount(t, db, schema); got != len(tr.Result.Applied) {
				t.Fatalf("b's %s: the Result lists %d applied, its history %d", schema, len(tr.Result.Applied), got)
			}
		default:
			var reg sql.NullString
			if tr.State != sdk.TargetNotReached {
				t.Fatalf("%s on %s: %v; want not reached", schema, tr.Server, tr.State)
			}
			if err := db.QueryRow("SELECT to_regclass('" + schema + ".hoist_migrations')::text").Scan(&reg); err != nil || reg.Valid {
				t.Fatalf("%s on %s, not reached, has a history table (%v)", schema, tr.Server, err)
			}
		}
	}
	res, err = fs.Up(testContext(t))
	if err != nil || res.Count(sdk.TargetUpToDate)+res.Count(sdk.TargetApplied) != 6 {
		t.Fatalf("the next run: %v", err)
	}
	for _, db := range dbs {
		for _, s := range ts.names {
			if got := historyCount(t, db, s); got != fleetMigrationCount+1 {
				t.Fatalf("%s has %d applied rows after the next run; want %d", s, got, fleetMigrationCount+1)
			}
		}
	}
}

// TestFleetsMixedEngines: PostgreSQL tenant schemas and MariaDB tenant
// databases, one fleet: the Go migration of every target runs once, in
// that target.
func TestFleetsMixedEngines(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	pg := testkit.Postgres(t)
	schemas := createSchemasOn(t, pg.DB, "tenant", 3)
	maria := newDBFleet(t, "mysql", 3)
	target := sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), quiet())
	pf, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), target)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := sdk.NewFleet(maria.server.DB, maria.server.Dialect, sdk.TargetPattern(maria.prefix+"_*"), sdk.WithDatabaseTargets(maria.open), target)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sdk.NewFleets([]sdk.FleetServer{{Name: "postgres", Fleet: pf}, {Name: "mariadb", Fleet: mf}}, sdk.WithFleetConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	res, err := fs.Up(ctx)
	if err != nil || res.Count(sdk.TargetApplied) != 6 {
		t.Fatalf("Up: %d of %d applied, %v", res.Count(sdk.TargetApplied), len(res.Targets), err)
	}
	for _, s := range schemas {
		if n := countRows(t, pg.DB, "SELECT count(*) FROM "+s+".runs"); n != 1 {
			t.Fatalf("postgres %s: the Go migration ran %d times; want once", s, n)
		}
	}
	for _, s := range maria.names {
		if n := countRows(t, maria.tenant(t, s), "SELECT count(*) FROM runs"); n != 1 {
			t.Fatalf("mariadb %s: the Go migration ran %d times; want once", s, n)
		}
	}
	st, err := fs.Status(ctx)
	if err != nil || len(st) != 6 {
		t.Fatalf("Status: %d rows, %v", len(st), err)
	}
	for _, s := range st {
		if !s.UpToDate() || (s.Server == "postgres") != strings.HasPrefix(s.Target, "tenant_") {
			t.Fatalf("Status: %s on %s %s", s.Target, s.Server, s)
		}
	}
}

// TestNewFleetsRefuses: servers that cannot be one fleet fail at
// NewFleets, naming the server, before anything is sent.
func TestNewFleetsRefuses(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none") // NewFleet and NewFleets send nothing
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fleet := func(fsys fstest.MapFS) *sdk.Fleet {
		f, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"), sdk.WithTargetOptions(sdk.WithFS(fsys)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := fleet(lifecycleFS()), fleet(lifecycleFS())
	fewer := fstest.MapFS{}
	for name, file := range lifecycleFS() {
		if !strings.HasPrefix(name, "0003") {
			fewer[name] = file
		}
	}
	for _, tc := range []struct {
		name    string
		servers []sdk.FleetServer
		opts    []sdk.FleetOption
		want    string
	}{
		{"no servers", nil, nil, "no servers"},
		{"empty name", []sdk.FleetServer{{Name: "a", Fleet: a}, {Fleet: b}}, nil, "server 2 has no name"},
		{"same name", []sdk.FleetServer{{Name: "a", Fleet: a}, {Name: "a", Fleet: b}}, nil, "server a is given twice"},
		{"nil fleet", []sdk.FleetServer{{Name: "a", Fleet: a}, {Name: "b"}}, nil, "server b has a nil Fleet"},
		{"other migrations", []sdk.FleetServer{{Name: "a", Fleet: a}, {Name: "b", Fleet: fleet(fewer)}}, nil, "server a has migration 3"},
		{"target options", []sdk.FleetServer{{Name: "a", Fleet: a}}, []sdk.FleetOption{sdk.WithTargetOptions(quiet())}, "each server's NewFleet"},
		{"zero concurrency", []sdk.FleetServer{{Name: "a", Fleet: a}}, []sdk.FleetOption{sdk.WithFleetConcurrency(0)}, "WithFleetConcurrency"},
	} {
		if _, err := sdk.NewFleets(tc.servers, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewFleets: %v; want an error saying %s", tc.name, err, tc.want)
		}
	}
}

// roleFleets, followed by a prefix, a space and a URL: wait for stdin
// to close, then Up the fleet of the prefix_* schemas of two servers,
// the database of HOIST_SDK_DSN and that of the URL, and report how
// many migrations this process applied in all.
const roleFleets = "fleets:"

func fleetsChild(role string, a *sql.DB) (code int, ok bool) {
	rest, ok := strings.CutPrefix(role, roleFleets)
	if !ok {
		return 0, false
	}
	prefix, url, _ := strings.Cut(rest, " ")
	fail := func(err error) (int, bool) {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	b, err := sql.Open("pgx", url)
	if err != nil {
		return fail(err)
	}
	defer b.Close()
	var servers []sdk.FleetServer
	for i, db := range []*sql.DB{a, b} {
		f, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern(prefix+"_*"),
			sdk.WithTargetOptions(sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), quiet()))
		if err != nil {
			return fail(err)
		}
		servers = append(servers, sdk.FleetServer{Name: fmt.Sprint(i), Fleet: f})
	}
	fs, err := sdk.NewFleets(servers, sdk.WithFleetConcurrency(3))
	if err != nil {
		return fail(err)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // the starting gun
	return reportFleetChild(fs.Up(context.Background()))
}

// TestFleetsTwoProcesses: two separate processes migrate the same fleet
// of 6 schemas on each of two servers at once. Both succeed, every
// migration of every target is applied exactly once (the Go migration's
// table holds one row per target), and both did part of the work.
func TestFleetsTwoProcesses(t *testing.T) {
	t.Parallel()
	ts := newTwoServers(t, 6)
	total := raceFleetChildren(t, ts.testDB.Driver, ts.testDB.DSN, roleFleets+"tenant "+ts.urlB)
	if want := 2 * len(ts.names) * bootMigrations; total != want {
		t.Fatalf("the two processes applied %d migrations; want each of %d exactly once", total, want)
	}
	for _, db := range []*sql.DB{ts.a, ts.b} {
		for _, s := range ts.names {
			if n := countRows(t, db, "SELECT count(*) FROM "+s+".hoist_migrations WHERE state = 'applied'"); n != bootMigrations {
				t.Fatalf("%s has %d applied rows; want %d", s, n, bootMigrations)
			}
			if n := countRows(t, db, "SELECT count(*) FROM "+s+".runs"); n != 1 {
				t.Fatalf("%s: the Go migration ran %d times; want once", s, n)
			}
		}
	}
}
