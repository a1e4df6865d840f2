package sdk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// markOf reads the up-to-date mark of schema: the comment on its
// hoist_migrations_unmark function, "" when there is none.
func markOf(t *testing.T, db *sql.DB, schema string) string {
	t.Helper()
	var mark sql.NullString
	err := db.QueryRow("SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'hoist_migrations_unmark'", schema).Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("reading the mark of %s: %v", schema, err)
	}
	return mark.String
}

// migratedFleet creates n schemas prefix_00... and migrates them with
// fleetOptions: each ends marked.
func migratedFleet(t *testing.T, db *testkit.DB, prefix string, n int) []string {
	t.Helper()
	names := createSchemas(t, db, prefix, n)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res, err := f.Up(testContext(t)); err != nil || res.Count(sdk.TargetApplied) != n {
		t.Fatalf("first Up of %d schemas: %v", n, err)
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" {
			t.Fatalf("%s is not marked after an Up that migrated it", s)
		}
	}
	return names
}

// countedUp runs a fleet of names with opts (fleetOptions when none) on
// a counting pool and returns its result and how many statements it
// sent.
func countedUp(t *testing.T, counted *sql.DB, n interface{ Load() int64 }, d *testkit.DB, names []string, opts ...sdk.FleetOption) (*sdk.FleetResult, int64, error) {
	t.Helper()
	if len(opts) == 0 {
		opts = []sdk.FleetOption{fleetOptions()}
	}
	f, err := sdk.NewFleet(counted, d.Dialect, sdk.TargetList(names...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	before := n.Load()
	res, err := f.Up(testContext(t))
	return res, n.Load() - before, err
}

// TestFleetMarksMakeTheNoopBootOneQuery: a no-op boot of marked schemas
// sends one statement (the catalog query, which reads the marks), and
// Status too. Schemas migrated before marks existed (here: their
// function dropped) cost the history's UNION ALL once; that Up marks
// them, and the next boot is one statement again.
func TestFleetMarksMakeTheNoopBootOneQuery(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	names := migratedFleet(t, db, "tenant", 30)
	counted, n := openCounting(t, db)
	res, sent, err := countedUp(t, counted, n, db, names)
	if err != nil || res.Count(sdk.TargetUpToDate) != len(names) {
		t.Fatalf("no-op Up of marked schemas: %v", err)
	}
	if sent != 1 {
		t.Fatalf("a no-op boot of %d marked schemas sent %d statements; want 1", len(names), sent)
	}
	f, err := sdk.NewFleet(counted, db.Dialect, sdk.TargetList(names...), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	n.Store(0)
	st, err := f.Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.UpToDate() {
			t.Errorf("Status of marked %s: %s; want up to date", s.Target, s)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("Status of %d marked schemas sent %d statements; want 1", len(names), got)
	}

	// The upgrade: schemas without marks.
	for _, s := range names {
		if _, err := db.DB.Exec("DROP FUNCTION " + s + ".hoist_migrations_unmark() CASCADE"); err != nil {
			t.Fatal(err)
		}
	}
	res, sent, err = countedUp(t, counted, n, db, names)
	if err != nil || res.Count(sdk.TargetUpToDate) != len(names) {
		t.Fatalf("no-op Up of unmarked schemas: %v", err)
	}
	if sent < 2 {
		t.Fatalf("a no-op boot of %d unmarked schemas sent %d statements; it must read their history", len(names), sent)
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" {
			t.Fatalf("%s is not marked after an Up that found it up to date", s)
		}
	}
	if res, sent, err = countedUp(t, counted, n, db, names); err != nil || res.Count(sdk.TargetUpToDate) != len(names) || sent != 1 {
		t.Fatalf("no-op Up after the upgrade: %v, %d statements; want up to date in 1", err, sent)
	}
}

// TestFleetMarksClearedByHandEdits: any change to a history table, by
// hand, clears its schema's mark (or makes the boot distrust it), and
// the next Up reads that history and acts on it; the other schemas stay
// marked.
func TestFleetMarksClearedByHandEdits(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	const lose4 = "DELETE FROM %[1]s.hoist_migrations WHERE version = 4; DELETE FROM %[1]s.users"
	for _, tc := range []struct {
		name  string
		edit  string // %[1]s is the schema
		want  sdk.TargetState
		check func(t *testing.T, r sdk.TargetResult)
	}{
		{name: "delete", edit: lose4, want: sdk.TargetApplied},
		{name: "insert", edit: "CREATE TABLE %[1]s.kept AS SELECT * FROM %[1]s.hoist_migrations WHERE version = 4; " + lose4 +
			"; INSERT INTO %[1]s.hoist_migrations SELECT * FROM %[1]s.kept; DROP TABLE %[1]s.kept", want: sdk.TargetUpToDate},
		{name: "update_nothing", edit: "UPDATE %[1]s.hoist_migrations SET state = state WHERE false", want: sdk.TargetUpToDate},
		{name: "update_checksum", edit: "UPDATE %[1]s.hoist_migrations SET checksum = 'edited' WHERE version = 1", want: sdk.TargetFailed,
			check: func(t *testing.T, r sdk.TargetResult) {
				if !errors.Is(r.Err, sdk.ErrChecksumMismatch) {
					t.Errorf("Up after an edited checksum: %v; want ErrChecksumMismatch", r.Err)
				}
			}},
		{name: "truncate", edit: "TRUNCATE %[1]s.hoist_migrations", want: sdk.TargetFailed},
		{name: "replica_role", edit: "SET session_replication_role = replica; " + lose4 + "; RESET session_replication_role", want: sdk.TargetApplied},
		// A disabled trigger would not clear the mark: the boot trusts a
		// mark only while the trigger is enabled, and Up enables it again.
		{name: "trigger_disabled", edit: "ALTER TABLE %[1]s.hoist_migrations DISABLE TRIGGER hoist_migrations_unmark; " + lose4, want: sdk.TargetApplied},
		// A history table replaced by another (no trigger) keeps the
		// function and its comment: not trusted either.
		{name: "table_replaced", edit: "ALTER TABLE %[1]s.hoist_migrations RENAME TO old; CREATE TABLE %[1]s.hoist_migrations (LIKE %[1]s.old INCLUDING ALL); " +
			"INSERT INTO %[1]s.hoist_migrations SELECT * FROM %[1]s.old WHERE version <> 4; DROP TABLE %[1]s.old; DELETE FROM %[1]s.users", want: sdk.TargetApplied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := migratedFleet(t, db, "t_"+tc.name, 3)
			edited := names[1]
			if _, err := db.DB.Exec(strings.ReplaceAll(tc.edit, "%[1]s", edited)); err != nil {
				t.Fatal(err)
			}
			if tc.name != "trigger_disabled" && tc.name != "table_replaced" && markOf(t, db.DB, edited) != "" {
				t.Fatalf("%s is still marked after %s", edited, tc.edit)
			}
			counted, n := openCounting(t, db)
			res, sent, _ := countedUp(t, counted, n, db, names, fleetOptions(), sdk.WithFailurePolicy(sdk.FleetContinue))
			if sent < 2 {
				t.Errorf("Up after a hand edit sent %d statements; it must read the edited history", sent)
			}
			for i, r := range res.Targets {
				want := sdk.TargetUpToDate
				if i == 1 {
					want = tc.want
				}
				if r.State != want {
					t.Errorf("%s: %s (%v); want %s", r.Target, r.State, r.Err, want)
				}
			}
			if tc.check != nil {
				tc.check(t, res.Targets[1])
			}
			if tc.want != sdk.TargetFailed {
				if markOf(t, db.DB, edited) == "" {
					t.Errorf("%s is not marked again after Up", edited)
				}
				if res, sent, err := countedUp(t, counted, n, db, names); err != nil || sent != 1 || res.Count(sdk.TargetUpToDate) != len(names) {
					t.Errorf("the boot after: %v, %d statements; want up to date in 1", err, sent)
				}
			}
		})
	}
}

// TestFleetMarksNameTheMigrations: a mark holds for one migration set; a
// set with a migration more, or with an applied file edited, or judged
// under another checksum policy, reads the history.
func TestFleetMarksNameTheMigrations(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	names := migratedFleet(t, db, "tenant", 3)
	counted, n := openCounting(t, db)
	withFS := func(fsys fstest.MapFS, more ...sdk.Option) sdk.FleetOption {
		return sdk.WithTargetOptions(append([]sdk.Option{sdk.WithFS(fsys), sdk.WithMigrations(seedAdmin), quiet()}, more...)...)
	}

	edited := lifecycleFS()
	edited["0002_create_posts.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR(300) NOT NULL);\n")}
	res, sent, err := countedUp(t, counted, n, db, names, withFS(edited))
	if !errors.Is(err, sdk.ErrChecksumMismatch) || res.Count(sdk.TargetUpToDate) != 0 || sent < 2 {
		t.Fatalf("Up with an applied file edited: %v, %d statements; want ErrChecksumMismatch after reading the history", err, sent)
	}

	res, sent, err = countedUp(t, counted, n, db, names, withFS(edited, sdk.WithChecksumPolicy(sdk.ChecksumIgnore)))
	if err != nil || res.Count(sdk.TargetUpToDate) != len(names) || sent < 2 {
		t.Fatalf("Up with an edited file under ChecksumIgnore: %v, %d statements; want up to date after reading the history", err, sent)
	}

	more := lifecycleFS()
	more["0005_create_likes.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE likes (id INTEGER PRIMARY KEY);\n")}
	res, _, err = countedUp(t, counted, n, db, names, withFS(more))
	if err != nil || res.Count(sdk.TargetApplied) != len(names) {
		t.Fatalf("Up with a migration more: %v", err)
	}
	// The history now has version 5, which the old set does not know:
	// its boot reads the history, finds it up to date and marks it anew.
	res, sent, err = countedUp(t, counted, n, db, names)
	if err != nil || res.Count(sdk.TargetUpToDate) != len(names) || sent < 2 {
		t.Fatalf("Up with the old set after the new one: %v, %d statements; want up to date after reading the history", err, sent)
	}
	if res, sent, err = countedUp(t, counted, n, db, names); err != nil || res.Count(sdk.TargetUpToDate) != len(names) || sent != 1 {
		t.Fatalf("the boot after: %v, %d statements; want up to date in 1", err, sent)
	}
}

// TestFleetMarksSurviveNoFailedRun: a target whose migration fails is
// not marked, under either policy, so each boot reads its history and
// tries again; the targets that succeeded are marked.
func TestFleetMarksSurviveNoFailedRun(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	names := createSchemas(t, db, "tenant", 4)
	// tenant_02 has a table in the way of migration 2.
	if _, err := db.DB.Exec("CREATE TABLE tenant_02.posts (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	counted, n := openCounting(t, db)
	for _, policy := range []sdk.FailurePolicy{sdk.FleetContinue, sdk.FleetStopAtFirst} {
		res, _, err := countedUp(t, counted, n, db, names, fleetOptions(), sdk.WithFailurePolicy(policy), sdk.WithFleetConcurrency(1))
		if err == nil || res.Targets[2].State != sdk.TargetFailed {
			t.Fatalf("policy %s: Up with tenant_02 failing: %v; want it failed", policy, err)
		}
		if mark := markOf(t, db.DB, "tenant_02"); mark != "" {
			t.Fatalf("policy %s: the failed tenant_02 is marked %q", policy, mark)
		}
		for _, s := range names[:2] {
			if markOf(t, db.DB, s) == "" {
				t.Errorf("policy %s: %s, migrated, is not marked", policy, s)
			}
		}
	}
	if markOf(t, db.DB, "tenant_03") == "" {
		t.Errorf("tenant_03, migrated under FleetContinue, is not marked")
	}
	res, sent, err := countedUp(t, counted, n, db, names)
	if err == nil || res.Targets[2].State != sdk.TargetFailed || sent < 2 {
		t.Fatalf("the boot after a failure: %v, %d statements; want tenant_02 read and failed again", err, sent)
	}
}

// TestFleetMarkWaitsForWriters: Up marks a schema under a lock that
// keeps the history's writers out, after reading the history again. A
// hand edit in a transaction still open when Up found the schema up to
// date is waited for, and since it lost a migration, the schema is not
// marked: the next Up applies it. An edit that holds the table for
// longer than the wait leaves the schema unmarked, and Up succeeds.
func TestFleetMarkWaitsForWriters(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := migratedFleet(t, db, "tenant", 2)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), fleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	unmark := func() {
		t.Helper()
		if _, err := db.DB.Exec("UPDATE tenant_01.hoist_migrations SET state = state WHERE false"); err != nil {
			t.Fatal(err)
		}
		if markOf(t, db.DB, "tenant_01") != "" {
			t.Fatal("tenant_01 is still marked after an UPDATE of its history")
		}
	}

	unmark()
	writer, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback()
	if _, err := writer.Exec("DELETE FROM tenant_01.hoist_migrations WHERE version = 4; DELETE FROM tenant_01.users"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var res *sdk.FleetResult
	go func() {
		var err error
		res, err = f.Up(ctx)
		done <- err
	}()
	waitForLockWaiter(t, db.DB, "%LOCK TABLE %tenant_01%")
	if err := writer.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || res.Count(sdk.TargetUpToDate) != 2 {
		t.Fatalf("Up while a writer held tenant_01's history: %v", err)
	}
	if mark := markOf(t, db.DB, "tenant_01"); mark != "" {
		t.Fatalf("tenant_01 is marked %q though a writer removed version 4 before the mark was written", mark)
	}
	res, err = f.Up(ctx)
	if err != nil || res.Targets[1].State != sdk.TargetApplied {
		t.Fatalf("the Up after: %v, %+v; want tenant_01 applied", err, res.Targets[1])
	}

	// A writer that holds on: Up gives up marking, and says nothing.
	unmark()
	holder, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.Exec("LOCK TABLE tenant_01.hoist_migrations IN ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetUpToDate) != 2 {
		t.Fatalf("Up while a writer holds tenant_01's history: %v", err)
	}
	if mark := markOf(t, db.DB, "tenant_01"); mark != "" {
		t.Fatalf("tenant_01 is marked %q while a writer holds its history", mark)
	}
	holder.Rollback()
	if _, err := f.Up(ctx); err != nil || markOf(t, db.DB, "tenant_01") == "" {
		t.Fatalf("Up once the writer is gone: %v; want tenant_01 marked", err)
	}
}

// waitForLockWaiter waits until a session whose query is like pattern
// waits for a lock.
func waitForLockWaiter(t *testing.T, db *sql.DB, pattern string) {
	t.Helper()
	ctx := testContext(t)
	for {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", pattern).Scan(&n); err != nil {
			t.Fatalf("waiting for a session waiting on a lock with %q: %v", pattern, err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no session waited on a lock with %q", pattern)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestFleetMarksThroughTransactionPooler: through PgBouncer in
// transaction pooling, with the lease lock, a fleet is marked, its no-op
// boot is one statement, and a hand edit through the pooler clears a
// mark.
func TestFleetMarksThroughTransactionPooler(t *testing.T) {
	db := testkit.Postgres(t)
	pooled := *db
	pooled.DSN = pgbouncer(t, db, "transaction")
	counted, n := openCounting(t, &pooled)
	names := createSchemas(t, db, "tenant", 10)
	lease := sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), quiet(), sdk.WithLockMode(sdk.LockLease))
	res, _, err := countedUp(t, counted, n, db, names, lease)
	if err != nil || res.Count(sdk.TargetApplied) != len(names) {
		t.Fatalf("first Up through the pooler: %v", err)
	}
	for _, s := range names {
		if markOf(t, db.DB, s) == "" {
			t.Fatalf("%s is not marked after an Up through the pooler", s)
		}
	}
	if res, sent, err := countedUp(t, counted, n, db, names, lease); err != nil || res.Count(sdk.TargetUpToDate) != len(names) || sent != 1 {
		t.Fatalf("no-op Up through the pooler: %v, %d statements; want up to date in 1", err, sent)
	}
	if _, err := counted.ExecContext(context.Background(), "DELETE FROM tenant_03.hoist_migrations WHERE version = 4; DELETE FROM tenant_03.users"); err != nil {
		t.Fatal(err)
	}
	if markOf(t, db.DB, "tenant_03") != "" {
		t.Fatal("tenant_03 is still marked after a DELETE of its history through the pooler")
	}
	res, _, err = countedUp(t, counted, n, db, names, lease)
	if err != nil || res.Targets[3].State != sdk.TargetApplied || markOf(t, db.DB, "tenant_03") == "" {
		t.Fatalf("Up after the edit: %v, %+v; want tenant_03 applied and marked", err, res.Targets[3])
	}
}

// TestFleetMarksLeftOutOfSnapshots: the mark's function and trigger go
// with the history table, which a testkit snapshot of a tenant schema
// leaves out: they are hoist's, not the tenant's schema.
func TestFleetMarksLeftOutOfSnapshots(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	migratedFleet(t, db, "tenant", 1)
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "tenant_00")
	u.RawQuery = q.Encode()
	tenant := *db
	if tenant.DB, err = sql.Open(db.Driver, u.String()); err != nil {
		t.Fatal(err)
	}
	defer tenant.DB.Close()
	snap := testkit.Snapshot(t, &tenant)
	if !strings.Contains(snap, "users") || strings.Contains(snap, "unmark") {
		t.Fatalf("snapshot of marked tenant_00: want its users table and no hoist_migrations_unmark:\n%s", snap)
	}
}

// TestFleetMarksOtherRoles: a role that may write a history but does
// not own the mark's function clears the mark all the same (the function
// is SECURITY DEFINER); a role that may migrate a schema but owns neither
// the function (tenant_00) nor the history table, to put the trigger on
// it (tenant_01), leaves them unmarked, and its Up succeeds with one
// warning.
func TestFleetMarksOtherRoles(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := migratedFleet(t, db, "tenant", 2)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "hoist_tenant_writer_" + hex.EncodeToString(b)
	grant := "CREATE ROLE " + role + " LOGIN; GRANT USAGE, CREATE ON SCHEMA tenant_00, tenant_01 TO " + role +
		"; GRANT ALL ON ALL TABLES IN SCHEMA tenant_00, tenant_01 TO " + role
	if _, err := db.DB.ExecContext(ctx, grant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.DB.Exec("DROP OWNED BY " + role + "; DROP ROLE " + role) })
	as, err := sql.Open(db.Driver, strings.Replace(db.DSN, "postgres://postgres@", "postgres://"+role+"@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()

	if _, err := as.ExecContext(ctx, "DELETE FROM tenant_00.hoist_migrations WHERE version = 4; DELETE FROM tenant_00.users"); err != nil {
		t.Fatalf("a hand edit by %s, who does not own the mark's function: %v", role, err)
	}
	if mark := markOf(t, db.DB, "tenant_00"); mark != "" {
		t.Fatalf("tenant_00 is still marked after %s deleted a history row", role)
	}

	// tenant_01 unmarked, as before marks existed: the role may read and
	// write the history, create a function in the schema, but not put a
	// trigger on a table it does not own.
	if _, err := db.DB.ExecContext(ctx, "DROP FUNCTION tenant_01.hoist_migrations_unmark() CASCADE"); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	f, err := sdk.NewFleet(as, db.Dialect, sdk.TargetList(names...),
		sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), sdk.WithLogger(slog.New(slog.NewTextHandler(&logged, nil)))))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Up(ctx)
	if err != nil || res.Targets[0].State != sdk.TargetApplied || res.Targets[1].State != sdk.TargetUpToDate {
		t.Fatalf("Up as %s: %v, %+v", role, err, res.Targets)
	}
	for _, s := range names {
		if mark := markOf(t, db.DB, s); mark != "" {
			t.Errorf("%s is marked %q by a role that owns neither its function nor its history table", s, mark)
		}
	}
	if n := strings.Count(logged.String(), "could not mark"); n != 1 || !strings.Contains(logged.String(), "schemas=2") || !strings.Contains(logged.String(), "must be owner") {
		t.Errorf("Up as %s logged:\n%s\nwant one warning that it could not mark 2 schemas, naming the privilege", role, logged.String())
	}
}
