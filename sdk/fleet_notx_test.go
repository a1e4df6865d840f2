package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// notxSchemas are the tenants of the tests of migrations outside a
// transaction in fleets of schemas; the mixed-case one needs its name
// quoted in search_path, where an unquoted name would fold to
// tenant_c.
var notxSchemas = []string{"tenant_a", "tenant_b", "Tenant_C"}

// notxFS creates t, indexes it concurrently outside a transaction, adds
// a row in hoist's transaction, and updates it in a transaction of the
// file's own: every name unqualified.
func notxFS() fstest.MapFS {
	return fstest.MapFS{
		"0001_table.sql": {Data: []byte("-- +hoist up\nCREATE TABLE IF NOT EXISTS t (c INTEGER, d INTEGER);\n")},
		"0002_index.sql": {Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE INDEX CONCURRENTLY t_c ON t (c);\nCREATE INDEX CONCURRENTLY t_d ON t (d);\n")},
		"0004_row.sql":   {Data: []byte("-- +hoist up\nINSERT INTO t (c, d) VALUES (1, 2);\n")},
		"0005_own.sql":   {Data: []byte("-- +hoist up\nBEGIN;\nUPDATE t SET d = 3;\nCOMMIT;\n")},
	}
}

// notxFleet creates notxSchemas, a public.t for a migration that
// missed its schema to land in, and a pool of one connection, so that
// every migration runs on the connection the test reads afterwards.
func notxFleet(t *testing.T, opts ...sdk.FleetOption) (*testkit.DB, *sql.DB, *sdk.Fleet) {
	t.Helper()
	db := testkit.Postgres(t)
	for _, s := range notxSchemas {
		if _, err := db.DB.Exec("CREATE SCHEMA " + db.Dialect.QuoteIdent(s)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DB.Exec("CREATE TABLE public.t (c INTEGER, d INTEGER)"); err != nil {
		t.Fatal(err)
	}
	one := openPooled(t, db.DSN)
	one.SetMaxOpenConns(1)
	f, err := sdk.NewFleet(one, db.Dialect, sdk.TargetList(notxSchemas...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return db, one, f
}

// searchPathOf returns the search_path of the session of pool's one
// connection, and where it comes from.
func searchPathOf(t *testing.T, pool *sql.DB) string {
	t.Helper()
	var setting, source string
	if err := pool.QueryRow("SELECT setting, source FROM pg_settings WHERE name = 'search_path'").Scan(&setting, &source); err != nil {
		t.Fatal(err)
	}
	return setting + " (" + source + ")"
}

const defaultSearchPath = `"$user", public (default)`

// indexSchemas returns the schemas that hold a valid index named name.
func indexSchemas(t *testing.T, db *sql.DB, name string) []string {
	t.Helper()
	return queryStrings(t, db, "SELECT n.nspname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND i.indisvalid ORDER BY n.nspname::text COLLATE \"C\"", name)
}

// historyOf returns schema's history as "version state" rows, in order.
func historyOf(t *testing.T, db *testkit.DB, schema string) []string {
	t.Helper()
	return queryStrings(t, db.DB, "SELECT version || ' ' || state FROM "+db.Dialect.QuoteIdent(schema)+".hoist_migrations ORDER BY version")
}

// queryStrings returns the one text column of the rows of query.
func queryStrings(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pathProbe is a Go migration outside a transaction that notes its
// session's search_path: before hoist sets it (its Around step), the
// schema its statements resolve to, and the search_path once hoist has
// put it back (Around's restore, which the Migrator calls after its own
// restore, before the next migration or the lock's release, which would
// put the session's settings back in any case).
type pathProbe struct {
	mu            sync.Mutex
	before, after []string
	inside        []string
	failIn        string // the schema where its step fails, "" for none
}

func (p *pathProbe) migration(version int64) sdk.Migration {
	note := func(ctx context.Context, conn *sql.Conn, into *[]string) {
		var setting, source string
		err := conn.QueryRowContext(ctx, "SELECT setting, source FROM pg_settings WHERE name = 'search_path'").Scan(&setting, &source)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			setting = err.Error()
		}
		*into = append(*into, setting+" ("+source+")")
	}
	return sdk.DialectMigration(version, "probe_search_path", sdk.DialectSteps{
		Around: func(ctx context.Context, _ dialect.Dialect, conn *sql.Conn, _ sdk.Direction) (context.Context, func(context.Context) error, error) {
			note(ctx, conn, &p.before)
			return ctx, func(ctx context.Context) error { note(ctx, conn, &p.after); return nil }, nil
		},
		Up: func(ctx context.Context, _ dialect.Dialect, tx sdk.Tx) error {
			var s string
			if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&s); err != nil {
				return err
			}
			p.mu.Lock()
			p.inside = append(p.inside, s)
			p.mu.Unlock()
			if s == p.failIn {
				_, err := tx.ExecContext(ctx, "CREATE INDEX CONCURRENTLY probe_i ON no_such_table (c)")
				return err
			}
			return nil
		},
	}).WithoutTransaction()
}

// TestFleetSchemasNoTransaction: a fleet of three schemas whose
// migrations include CREATE INDEX CONCURRENTLY outside a transaction, a
// Go migration outside one and a file with its own transaction. Each
// runs in its tenant's schema (the index is in every tenant schema, not
// in public, whose table of the same name a missed search_path would
// index), the history has every row applied, the session's search_path
// is back to what it was right after each such migration, and the one
// connection of the pool has the default search_path after the run.
func TestFleetSchemasNoTransaction(t *testing.T) {
	t.Parallel()
	probe := &pathProbe{}
	db, one, f := notxFleet(t, sdk.WithTargetOptions(sdk.WithFS(notxFS()), sdk.WithMigrations(probe.migration(3)), quiet()))
	ctx := testContext(t)
	res, err := f.Up(ctx)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if n := res.Count(sdk.TargetApplied); n != len(notxSchemas) {
		t.Fatalf("Up applied %d targets; want %d: %+v", n, len(notxSchemas), res.Targets)
	}
	want := slices.Sorted(slices.Values(notxSchemas))
	for _, index := range []string{"t_c", "t_d"} {
		if got := indexSchemas(t, db.DB, index); !slices.Equal(got, want) {
			t.Errorf("valid index %s in schemas %v; want %v, and none in public", index, got, want)
		}
	}
	for _, s := range notxSchemas {
		if got, want := historyOf(t, db, s), []string{"1 applied", "2 applied", "3 applied", "4 applied", "5 applied"}; !slices.Equal(got, want) {
			t.Errorf("%s history %v; want %v", s, got, want)
		}
		var d int
		if err := db.DB.QueryRow("SELECT d FROM " + db.Dialect.QuoteIdent(s) + ".t").Scan(&d); err != nil || d != 3 {
			t.Errorf("%s.t: d = %d, %v; want the own transaction's 3", s, d, err)
		}
	}
	var public int
	if err := db.DB.QueryRow("SELECT count(*) FROM public.t").Scan(&public); err != nil || public != 0 {
		t.Errorf("public.t has %d rows (%v); want none", public, err)
	}
	if got := slices.Sorted(slices.Values(probe.inside)); !slices.Equal(got, want) {
		t.Errorf("the Go migration outside a transaction ran in schemas %v; want %v", got, want)
	}
	for i := range probe.after {
		if probe.before[i] != defaultSearchPath || probe.after[i] != defaultSearchPath {
			t.Errorf("search_path around the Go migration: %s before, %s after; want %s both times", probe.before[i], probe.after[i], defaultSearchPath)
		}
	}
	if len(probe.after) != len(notxSchemas) {
		t.Errorf("the probe's restore ran %d times; want %d", len(probe.after), len(notxSchemas))
	}
	if got := searchPathOf(t, one); got != defaultSearchPath {
		t.Errorf("the pool's connection has search_path %s after the run; want %s", got, defaultSearchPath)
	}
	if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetUpToDate) != len(notxSchemas) {
		t.Fatalf("second Up: %v; want every target up to date", err)
	}
}

// TestFleetSchemasNoTransactionFailure: going on after failures, a
// concurrent index that fails half way in tenant_b (its t, made before,
// has no column d) is reported with its file, line and target, and
// recorded as failed after what stays of it (the first index, in
// tenant_b); a Go migration outside a transaction that fails in
// Tenant_C before changing anything leaves no row. Every session's
// search_path is put back after the failures, the other targets are
// complete, and the next run stops at tenant_b's failed row.
func TestFleetSchemasNoTransactionFailure(t *testing.T) {
	t.Parallel()
	probe := &pathProbe{failIn: "Tenant_C"}
	db, one, f := notxFleet(t, sdk.WithFailurePolicy(sdk.FleetContinue),
		sdk.WithTargetOptions(sdk.WithFS(notxFS()), sdk.WithMigrations(probe.migration(3)), quiet()))
	if _, err := db.DB.Exec("CREATE TABLE tenant_b.t (c INTEGER)"); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	res, err := f.Up(ctx)
	if err == nil {
		t.Fatal("Up succeeded; want tenant_b and Tenant_C failed")
	}
	states := map[string]sdk.TargetResult{}
	for _, tr := range res.Targets {
		states[tr.Target] = tr
	}
	if s := states["tenant_a"].State; s != sdk.TargetApplied {
		t.Errorf("tenant_a is %v; want applied", s)
	}
	b := states["tenant_b"]
	var me *sdk.MigrationError
	if b.State != sdk.TargetFailed || !errors.As(b.Err, &me) {
		t.Fatalf("tenant_b is %v with %v; want failed with a *MigrationError", b.State, b.Err)
	}
	if me.Version != 2 || me.File != "0002_index.sql" || me.Line != 4 || !me.Dirty || !me.Recorded {
		t.Errorf("tenant_b's error: version %d, %s:%d, dirty %v, recorded %v; want 2 at 0002_index.sql:4, dirty and recorded",
			me.Version, me.File, me.Line, me.Dirty, me.Recorded)
	}
	for _, want := range []string{"fleet target tenant_b:", "0002_index.sql:4", "fleet target Tenant_C:", "probe_search_path"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %q: %v", want, err)
		}
	}
	c := states["Tenant_C"]
	if c.State != sdk.TargetFailed || !errors.As(c.Err, &me) || me.Version != 3 || me.Dirty {
		t.Fatalf("Tenant_C is %v with %v; want failed at version 3, not dirty", c.State, c.Err)
	}
	for s, want := range map[string][]string{
		"tenant_a": {"1 applied", "2 applied", "3 applied", "4 applied", "5 applied"},
		"tenant_b": {"1 applied", "2 failed"},
		"Tenant_C": {"1 applied", "2 applied"},
	} {
		if got := historyOf(t, db, s); !slices.Equal(got, want) {
			t.Errorf("%s history %v; want %v", s, got, want)
		}
	}
	if got, want := indexSchemas(t, db.DB, "t_c"), []string{"Tenant_C", "tenant_a", "tenant_b"}; !slices.Equal(got, want) {
		t.Errorf("valid index t_c in schemas %v; want %v, and none in public", got, want)
	}
	if got, want := indexSchemas(t, db.DB, "t_d"), []string{"Tenant_C", "tenant_a"}; !slices.Equal(got, want) {
		t.Errorf("valid index t_d in schemas %v; want %v", got, want)
	}
	if len(probe.after) != 2 {
		t.Errorf("the probe's restore ran %d times; want twice (tenant_a, Tenant_C)", len(probe.after))
	}
	for i := range probe.after {
		if probe.after[i] != defaultSearchPath {
			t.Errorf("search_path after the Go migration (%s): %s; want %s", probe.inside[i], probe.after[i], defaultSearchPath)
		}
	}
	if got := searchPathOf(t, one); got != defaultSearchPath {
		t.Errorf("the pool's connection has search_path %s after the failed run; want %s", got, defaultSearchPath)
	}
	res, err = f.Up(ctx)
	if !errors.Is(err, sdk.ErrDirty) || res.Count(sdk.TargetFailed) != 2 {
		t.Fatalf("next Up: %v; want tenant_b stopped with ErrDirty, Tenant_C failing again", err)
	}
}

// TestFleetSchemasNoTransactionSeeder: a seeder outside a transaction,
// run by Ensure for a new tenant, writes to the tenant's table, not to
// public's of the same name, and leaves the pool's connection with the
// default search_path.
func TestFleetSchemasNoTransactionSeeder(t *testing.T) {
	t.Parallel()
	seeds := fstest.MapFS{"01_users.sql": {Data: []byte("-- +hoist no-transaction\nINSERT INTO users (id, name) VALUES (7, 'seeded');\n")}}
	db := testkit.Postgres(t)
	if _, err := db.DB.Exec("CREATE TABLE public.users (id INTEGER, name TEXT)"); err != nil {
		t.Fatal(err)
	}
	one := openPooled(t, db.DSN)
	one.SetMaxOpenConns(1)
	f, err := sdk.NewFleet(one, db.Dialect, sdk.TargetList("New_Tenant"), fleetOptions(), sdk.WithTargetOptions(sdk.WithSeedFS(seeds)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Ensure(testContext(t), "New_Tenant"); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	var n int
	if err := db.DB.QueryRow(`SELECT count(*) FROM "New_Tenant".users WHERE id = 7`).Scan(&n); err != nil || n != 1 {
		t.Errorf("New_Tenant.users has %d seeded rows (%v); want 1", n, err)
	}
	if err := db.DB.QueryRow("SELECT count(*) FROM public.users").Scan(&n); err != nil || n != 0 {
		t.Errorf("public.users has %d rows (%v); want none", n, err)
	}
	if got := searchPathOf(t, one); got != defaultSearchPath {
		t.Errorf("the pool's connection has search_path %s after seeding; want %s", got, defaultSearchPath)
	}
}

// TestFleetSchemasNoTransactionThroughTransactionPooler: through
// PgBouncer in transaction pooling, where a session-level SET could land
// on one server session and the migration on another, the run with the
// session lock fails with ErrTransactionPooler: the lock's checks refuse
// it before anything is sent, or the SET finds itself on a session that
// does not hold the lock and sets nothing, or the lock's release finds
// the pooler; a target whose statements PgBouncer happened to send to
// one server session throughout may go through unnoticed, migrated in
// its own schema. No index ever lands in public, whose table
// of the same name a migration without its search_path would index. The
// lease lock, which works there, is refused at NewFleet, naming the
// file.
func TestFleetSchemasNoTransactionThroughTransactionPooler(t *testing.T) {
	db := testkit.Postgres(t)
	for _, s := range notxSchemas {
		if _, err := db.DB.Exec("CREATE SCHEMA " + db.Dialect.QuoteIdent(s)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DB.Exec("CREATE TABLE public.t (c INTEGER, d INTEGER)"); err != nil {
		t.Fatal(err)
	}
	pooled := openPooled(t, pgbouncer(t, db, "transaction"))
	f, err := sdk.NewFleet(pooled, db.Dialect, sdk.TargetList(notxSchemas...), sdk.WithTargetOptions(sdk.WithFS(notxFS()), quiet()))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := f.Up(testContext(t))
	for _, index := range []string{"t_c", "t_d"} {
		got := indexSchemas(t, db.DB, index)
		if slices.Contains(got, "public") {
			t.Errorf("index %s landed in public (schemas %v)", index, got)
		}
		for _, tr := range res.Targets {
			switch {
			case tr.State == sdk.TargetFailed && !errors.Is(tr.Err, sdk.ErrTransactionPooler):
				t.Errorf("%s failed with %v; want ErrTransactionPooler", tr.Target, tr.Err)
			case tr.State == sdk.TargetApplied && !slices.Contains(got, tr.Target):
				t.Errorf("%s is applied without its index %s (in schemas %v)", tr.Target, index, got)
			case tr.State != sdk.TargetFailed && tr.State != sdk.TargetApplied:
				t.Errorf("%s is %v; want failed with ErrTransactionPooler, or applied (the pooler kept one server session for it)", tr.Target, tr.State)
			}
		}
	}
	_, err = sdk.NewFleet(pooled, db.Dialect, sdk.TargetList(notxSchemas...), sdk.WithTargetOptions(sdk.WithFS(notxFS()), quiet(), sdk.WithLockMode(sdk.LockLease)))
	if err == nil || !strings.Contains(err.Error(), "0002_index.sql") || !strings.Contains(err.Error(), "LockLease") {
		t.Fatalf("NewFleet with a lease: %v; want a refusal naming 0002_index.sql and the lease", err)
	}
}

// TestFleetSchemasNoTransactionKeepsSessionSearchPath: a search_path the
// application set on its session is what the session has again right
// after a migration outside a transaction, and after the run: hoist puts
// back the session's value, not the server's default.
func TestFleetSchemasNoTransactionKeepsSessionSearchPath(t *testing.T) {
	t.Parallel()
	probe := &pathProbe{}
	_, one, f := notxFleet(t, sdk.WithTargetOptions(sdk.WithFS(notxFS()), sdk.WithMigrations(probe.migration(3)), quiet()))
	if _, err := one.Exec("SET search_path TO app, public"); err != nil {
		t.Fatal(err)
	}
	const app = "app, public (session)"
	if _, err := f.Up(testContext(t)); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if len(probe.after) != len(notxSchemas) {
		t.Fatalf("the probe's restore ran %d times; want %d", len(probe.after), len(notxSchemas))
	}
	for i := range probe.after {
		if probe.before[i] != app || probe.after[i] != app {
			t.Errorf("search_path around the Go migration in %s: %s before, %s after; want %s both times", probe.inside[i], probe.before[i], probe.after[i], app)
		}
	}
	if got := searchPathOf(t, one); got != app {
		t.Errorf("the pool's connection has search_path %s after the run; want %s", got, app)
	}
}

// TestFleetSchemasNoTransactionRollback: a target's Migrator rolls back
// a migration outside a transaction (DROP INDEX CONCURRENTLY) in its
// own schema only, and leaves the pool's connection with the default
// search_path.
func TestFleetSchemasNoTransactionRollback(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"0001_table.sql": notxFS()["0001_table.sql"],
		"0002_index.sql": {Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n-- +hoist down\nDROP INDEX CONCURRENTLY t_c;\n")},
	}
	db, one, f := notxFleet(t, sdk.WithTargetOptions(sdk.WithFS(fsys), quiet()))
	if _, err := db.DB.Exec("CREATE INDEX t_c ON public.t (c)"); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	if _, err := f.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	m, err := f.Migrator("Tenant_C")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.RollbackTo(ctx, 1); err != nil {
		t.Fatalf("RollbackTo(1) of Tenant_C: %v", err)
	}
	if got, want := indexSchemas(t, db.DB, "t_c"), []string{"public", "tenant_a", "tenant_b"}; !slices.Equal(got, want) {
		t.Errorf("valid index t_c in schemas %v after Tenant_C's rollback; want %v", got, want)
	}
	if got, want := historyOf(t, db, "Tenant_C"), []string{"1 applied"}; !slices.Equal(got, want) {
		t.Errorf("Tenant_C history %v; want %v", got, want)
	}
	if got := searchPathOf(t, one); got != defaultSearchPath {
		t.Errorf("the pool's connection has search_path %s after the rollback; want %s", got, defaultSearchPath)
	}
}
