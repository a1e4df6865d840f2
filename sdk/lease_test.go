package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func createTable(version int64, table string) sdk.Migration {
	return sdk.GoMigration(version, "create_"+table, func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER)")
		return err
	}, nil)
}

// TestLeaseLostStopsRunPostgres: when another migrator takes the lease
// over while a run is inside a migration (here the test, by hand), the
// heartbeat finds it at its next renewal and stops the run: the
// migration is cancelled and rolled back, no later one runs, and the
// error is ErrLockLost naming the new holder.
func TestLeaseLostStopsRunPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	inside := make(chan struct{})
	wait := sdk.GoMigration(1, "wait", func(ctx context.Context, tx sdk.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE waited (id INTEGER)"); err != nil {
			return err
		}
		close(inside)
		<-ctx.Done() // the heartbeat's cancellation, or the test's end
		return ctx.Err()
	}, nil)
	m := newMigrator(t, db, sdk.WithMigrations(wait, createTable(2, "after")),
		sdk.WithLockMode(sdk.LockLease), sdk.WithLeaseDuration(time.Second))
	done := make(chan error, 1)
	go func() {
		_, err := m.Up(ctx)
		done <- err
	}()
	select {
	case <-inside:
	case err := <-done:
		t.Fatalf("Up returned before its migration ran: %v", err)
	}
	if _, err := db.DB.ExecContext(ctx, "UPDATE hoist_migrations_lock SET owner = 'thief', holder = 'the thief', expires_at = now() + interval '1 hour'"); err != nil {
		t.Fatal(err)
	}
	err := <-done
	if !errors.Is(err, sdk.ErrLockLost) || !strings.Contains(err.Error(), "the thief") {
		t.Fatalf("Up whose lease was taken over: %v; want ErrLockLost naming the new holder", err)
	}
	if tableExists(t, db, "waited") || tableExists(t, db, "after") {
		t.Error("the stopped run left tables behind; want the migration rolled back and the next one not run")
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations"); n != 0 {
		t.Errorf("history has %d rows; want none", n)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_lock WHERE owner = 'thief'"); n != 1 {
		t.Error("the stopped run deleted a lease it no longer held")
	}
}

// TestLeaseExpiryPostgres: a lease left by a migrator that died is taken
// over once it has expired; one that has not expired makes a migrator
// time out naming its holder, having run nothing.
func TestLeaseExpiryPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	lease := sdk.WithLockMode(sdk.LockLease)
	if _, err := newMigrator(t, db, lease, sdk.WithMigrations(createTable(1, "a"))).Up(ctx); err != nil {
		t.Fatalf("first Up: %v", err)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_lock"); n != 0 {
		t.Fatalf("the lease table has %d rows after Up; want the lease deleted", n)
	}
	leave := func(expires string) {
		t.Helper()
		if _, err := db.DB.ExecContext(ctx, "INSERT INTO hoist_migrations_lock (id, owner, holder, acquired_at, expires_at) VALUES (1, 'dead', 'pid 1 on crashed-host', now() - interval '1 hour', now() + interval '"+expires+"')"); err != nil {
			t.Fatal(err)
		}
	}
	leave("-1 second")
	res, err := newMigrator(t, db, lease, sdk.WithMigrations(createTable(1, "a"), createTable(2, "b"))).Up(ctx)
	if err != nil || len(res.Applied) != 1 {
		t.Fatalf("Up over an expired lease: %v, applied %v; want migration 2", err, versions(res.Applied))
	}

	leave("1 hour")
	m := newMigrator(t, db, lease, sdk.WithLockTimeout(200*time.Millisecond),
		sdk.WithMigrations(createTable(1, "a"), createTable(2, "b"), createTable(3, "c")))
	_, err = m.Up(ctx)
	if !errors.Is(err, sdk.ErrLockTimeout) || !strings.Contains(err.Error(), "held by pid 1 on crashed-host since ") {
		t.Fatalf("Up under a live lease: %v; want ErrLockTimeout naming its holder", err)
	}
	if tableExists(t, db, "c") {
		t.Error("migration 3 ran under another migrator's lease")
	}
}

// TestLeaseNeedsTwoConnectionsPostgres: the heartbeat renews the lease on
// a second connection; a pool of one is refused before anything runs,
// instead of losing the lease to a heartbeat that never gets one.
func TestLeaseNeedsTwoConnectionsPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	db.DB.SetMaxOpenConns(1)
	_, err := newMigrator(t, db, sdk.WithLockMode(sdk.LockLease), sdk.WithMigrations(createTable(1, "a"))).Up(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "SetMaxOpenConns(1)") {
		t.Fatalf("Up with a lease on a pool of one: %v; want a refusal naming SetMaxOpenConns", err)
	}
	if tableExists(t, db, "a") {
		t.Error("migration 1 ran")
	}
}

// TestLockModeOptions: the lease lock exists on PostgreSQL only, and its
// length is an option of the lease lock alone.
func TestLockModeOptions(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mig := sdk.WithMigrations(createTable(1, "a"))
	for _, tc := range []struct {
		name string
		d    dialect.Dialect
		opts []sdk.Option
		want string // "" when New must accept it
	}{
		{"lease_postgres", postgres.New(), []sdk.Option{sdk.WithLockMode(sdk.LockLease), sdk.WithLeaseDuration(time.Minute)}, ""},
		{"lease_mysql", mysql.New(), []sdk.Option{sdk.WithLockMode(sdk.LockLease)}, "mysql dialect has no lease lock"},
		{"lease_sqlite", sqlite.New(), []sdk.Option{sdk.WithLockMode(sdk.LockLease)}, "sqlite dialect has no lease lock"},
		{"duration_without_lease", postgres.New(), []sdk.Option{sdk.WithLeaseDuration(time.Minute)}, "needs WithLockMode(LockLease)"},
		{"duration_too_short", postgres.New(), []sdk.Option{sdk.WithLockMode(sdk.LockLease), sdk.WithLeaseDuration(time.Millisecond)}, "shorter than a second"},
		{"unknown_mode", postgres.New(), []sdk.Option{sdk.WithLockMode(7)}, "unknown mode 7"},
		{"long_table", postgres.New(), []sdk.Option{sdk.WithLockMode(sdk.LockLease), sdk.WithTable(strings.Repeat("t", 60))}, "longer than 63"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdk.New(db, tc.d, append(tc.opts, mig)...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v; want it accepted", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New: %v; want an error saying %q", err, tc.want)
			}
		})
	}
}
