package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// roleSlow runs Up over slowFS and says "migrating N" as each migration
// starts; the test kills it in the middle of migration 2.
const roleSlow = "slow"

// slowFS is a quick migration and then one that sleeps on the server for
// the given seconds before it creates table slow and writes to table
// log, in one transaction. On MySQL/MariaDB, which commit DDL at once,
// the slow migration only writes rows.
func slowFS(engine string, seconds int) fstest.MapFS {
	sleep := fmt.Sprintf("SELECT pg_sleep(%d);\nCREATE TABLE slow (id INTEGER);\n", seconds)
	if engine == "mysql" {
		sleep = fmt.Sprintf("SELECT SLEEP(%d);\n", seconds)
	}
	return fstest.MapFS{
		"0001_log.sql": {Data: []byte("-- +hoist up\nCREATE TABLE log (id INTEGER NOT NULL);\n-- +hoist down\nDROP TABLE log;\n")},
		"0002_slow.sql": {Data: []byte("-- +hoist up\n" + sleep + "INSERT INTO log (id) VALUES (2);\n" +
			"-- +hoist down\nDELETE FROM log WHERE id = 2;\n")},
	}
}

// cancelChild is the child process of role roleSlow, or
// ok is false.
func cancelChild(role string, db *sql.DB) (code int, ok bool) {
	d := dialectFor(os.Getenv("HOIST_SDK_DRIVER"))
	var opts []sdk.Option
	switch role {
	case roleSlow:
		opts = []sdk.Option{sdk.WithFS(slowFS(d.Name(), 4))}
	default:
		return 0, false
	}
	m, err := sdk.New(db, d, append(opts, killedProgress(), quiet())...)
	if err == nil {
		_, err = m.Up(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	return 0, true
}

// cancelOnMigrating returns an option that cancels the context that
// cancel ends once migration 2 has been on the server for a moment.
func cancelOnMigrating(cancel context.CancelFunc) sdk.Option {
	return sdk.WithProgress(func(_ context.Context, e sdk.Event) {
		if e.Kind == sdk.EventMigrating && e.Migration.Version == 2 {
			time.AfterFunc(500*time.Millisecond, cancel)
		}
	})
}

// serverEngines are the engines with a server: a migration there runs in
// a session that a cancelled client can leave behind.
func serverEngines(t *testing.T, f func(t *testing.T, db *testkit.DB)) {
	for _, e := range engines[:2] {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f(t, e.open(t))
		})
	}
}

// TestCancelDuringMigration cancels Up while the server sleeps inside
// migration 2. Up must return the cancellation with the outcome the
// server gave, rolled back; and a few seconds later, when the server
// would have finished the migration had nobody told it, nothing of it
// must be there: no table, no row, no history row.
func TestCancelDuringMigration(t *testing.T) {
	t.Parallel()
	serverEngines(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		m := newMigrator(t, db, sdk.WithFS(slowFS(db.Dialect.Name(), 3)), cancelOnMigrating(cancel))
		res, err := m.Up(cctx)
		t.Logf("Up cancelled: %v", err)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 {
			t.Fatalf("Up cancelled in migration 2: %v; want a *MigrationError of migration 2", err)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Up cancelled: %v; want it to wrap context.Canceled", err)
		}
		if me.Outcome != sdk.OutcomeRolledBack || !strings.Contains(err.Error(), "it was rolled back, nothing changed") {
			t.Errorf("Up cancelled: outcome %v, %q; want rolled back, and the message to say so", me.Outcome, err)
		}
		if strings.Contains(err.Error(), "rolling back") {
			t.Errorf("Up cancelled: %q speaks of rolling back", err)
		}
		if len(res.Applied) != 1 || res.Applied[0].Version != 1 {
			t.Errorf("Up cancelled in migration 2 applied %v; want [1]", versions(res.Applied))
		}

		time.Sleep(4 * time.Second) // past the end of the sleep on the server
		assertNotApplied(t, db, m)
	})
}

// assertNotApplied checks that migration 2 of slowFS left nothing.
func assertNotApplied(t *testing.T, db *testkit.DB, m *sdk.Migrator) {
	t.Helper()
	if tableExists(t, db, "slow") {
		t.Errorf("table slow exists: the server committed the migration that Up called rolled back")
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM log"); n != 0 {
		t.Errorf("log has %d rows; want 0", n)
	}
	st, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != 1 || st.Applied[0].Version != 1 {
		t.Errorf("applied is %v; want [1]", statusVersions(st.Applied))
	}
}

// TestKilledMigratorRollsBack kills a migrating process with -9 while
// the server sleeps inside its migration 2. The server must notice the
// vanished client and roll the migration back, not run it to its
// commit: a new Up then takes the lock and applies migration 2 itself,
// exactly once.
func TestKilledMigratorRollsBack(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	cmd, _, out := startChild(t, db, roleSlow)
	for out.Scan() && out.Text() != "migrating 2" {
	}
	waitFor(t, "the child's sleep to run on the server", func() bool {
		return countRows(t, db.DB, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%' AND state = 'active'") == 1
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	m := newMigrator(t, db, sdk.WithFS(slowFS("postgres", 4)))
	res, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("Up after the kill: %v", err)
	}
	if len(res.Applied) != 1 || res.Applied[0].Version != 2 {
		t.Fatalf("Up after the kill applied %v; want [2]: the killed process's migration was committed by the server after the kill", versions(res.Applied))
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM log"); n != 1 {
		t.Errorf("log has %d rows; want migration 2 applied exactly once", n)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2"); n != 1 {
		t.Errorf("history has %d rows of version 2; want 1", n)
	}
}

// TestTerminatedMigrationOutcome ends the migration's session from
// another connection while the server sleeps inside migration 2. The
// connection is lost, so the error alone cannot say what happened: Up
// must find out and say that the migration was rolled back.
func TestTerminatedMigrationOutcome(t *testing.T) {
	t.Parallel()
	serverEngines(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		terminate := func() {
			if db.Dialect.Name() == "postgres" {
				_, err := db.DB.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'")
				if err != nil {
					t.Error(err)
				}
				return
			}
			var id int64
			if err := db.DB.QueryRow("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP%'").Scan(&id); err != nil {
				t.Error(err)
				return
			}
			if _, err := db.DB.Exec(fmt.Sprintf("KILL %d", id)); err != nil {
				t.Error(err)
			}
		}
		done := make(chan struct{})
		defer func() { <-done }()
		m := newMigrator(t, db, sdk.WithFS(slowFS(db.Dialect.Name(), 3)), sdk.WithProgress(func(_ context.Context, e sdk.Event) {
			if e.Kind == sdk.EventMigrating && e.Migration.Version == 2 {
				time.AfterFunc(500*time.Millisecond, func() { terminate(); close(done) })
			}
		}))
		_, err := m.Up(ctx)
		t.Logf("Up whose session was ended: %v", err)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 {
			t.Fatalf("Up whose session was ended: %v; want a *MigrationError of migration 2", err)
		}
		if me.Outcome != sdk.OutcomeRolledBack || !strings.Contains(err.Error(), "it was rolled back, nothing changed") {
			t.Errorf("Up whose session was ended: outcome %v, %q; want rolled back, and the message to say so", me.Outcome, err)
		}
		<-done
		time.Sleep(3 * time.Second)
		assertNotApplied(t, db, m)
	})
}

// TestOutcomeMessages: each outcome says what became of the migration,
// and only an interrupted run says anything.
func TestOutcomeMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome sdk.Outcome
		want    string
	}{
		{sdk.OutcomeNone, "hoist: migration 2 slow up failed in 0002_slow.sql: boom"},
		{sdk.OutcomeRolledBack, "hoist: migration 2 slow up failed in 0002_slow.sql: boom; it was rolled back, nothing changed"},
		{sdk.OutcomeApplied, "hoist: migration 2 slow up failed in 0002_slow.sql: boom; it was applied: the server committed it before the run was interrupted"},
		{sdk.OutcomeUnknown, "hoist: migration 2 slow up failed in 0002_slow.sql: boom; its outcome is unknown: check with `hoist migrate:status` (Migrator.Status)"},
	} {
		e := &sdk.MigrationError{Version: 2, Name: "slow", Direction: sdk.Up, File: "0002_slow.sql", Outcome: tc.outcome, Err: errors.New("boom")}
		if got := e.Error(); got != tc.want {
			t.Errorf("outcome %v:\n got %s\nwant %s", tc.outcome, got, tc.want)
		}
	}
}

// waitFor polls cond until it holds, or fails the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestCancelDuringGoMigration cancels Up while a Go migration waits for
// the server on PostgreSQL. The Go function sees its context cancelled,
// the server cancels the statement it sent, and the transaction is
// rolled back, as Up says.
func TestCancelDuringGoMigration(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sawCancel bool
	slow := sdk.GoMigration(2, "slow", func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_sleep(3)")
		sawCancel = ctx.Err() != nil
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO log (id) VALUES (2)")
		return err
	}, nil)
	m := newMigrator(t, db, sdk.WithFS(fstest.MapFS{"0001_log.sql": slowFS("postgres", 0)["0001_log.sql"]}),
		sdk.WithMigrations(slow), cancelOnMigrating(cancel))
	_, err := m.Up(cctx)
	t.Logf("Up cancelled: %v", err)
	var me *sdk.MigrationError
	if !errors.As(err, &me) || me.Version != 2 || me.Outcome != sdk.OutcomeRolledBack || !errors.Is(err, context.Canceled) {
		t.Fatalf("Up cancelled in a Go migration: %v; want migration 2 cancelled and rolled back", err)
	}
	if !sawCancel {
		t.Error("the Go migration's context was not cancelled with the caller's")
	}
	time.Sleep(3 * time.Second)
	assertNotApplied(t, db, m)
}

// TestCancelSingleConnection cancels Up during a slow migration on a
// pool of one connection, which leaves none to send a cancel request
// with: the driver drops the connection, and Up must still find out, on
// a new connection once the old session has ended, that the migration
// was rolled back.
func TestCancelSingleConnection(t *testing.T) {
	t.Parallel()
	serverEngines(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		db.DB.SetMaxOpenConns(1)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		m := newMigrator(t, db, sdk.WithFS(slowFS(db.Dialect.Name(), 3)), cancelOnMigrating(cancel))
		_, err := m.Up(cctx)
		t.Logf("Up cancelled: %v", err)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 || !errors.Is(err, context.Canceled) {
			t.Fatalf("Up cancelled in migration 2: %v; want a *MigrationError of migration 2 that wraps context.Canceled", err)
		}
		if me.Outcome != sdk.OutcomeRolledBack {
			t.Errorf("Up cancelled on a pool of one: outcome %v; want rolled back", me.Outcome)
		}
		time.Sleep(3 * time.Second)
		assertNotApplied(t, db, m)
	})
}

// TestOutcomeUnknown: on MariaDB, a pool whose connections are all in
// use leaves none to send a cancel request with, so after a while the
// driver drops the migration's connection, while the server goes on
// waiting, in the migration's statement, for a row lock that another
// session holds, longer than hoist waits for the session to end. Up must
// then say that it does not know, rather than read a history that the
// session could still change; once the lock is free, the server rolls the
// migration back.
func TestOutcomeUnknown(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	if _, err := db.DB.ExecContext(ctx, "CREATE TABLE held (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DB.ExecContext(ctx, "INSERT INTO held (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	holder, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, "UPDATE held SET id = 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	db.DB.SetMaxOpenConns(2) // the holder's and the migration's
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fsys := fstest.MapFS{
		"0001_log.sql":  slowFS("mysql", 0)["0001_log.sql"],
		"0002_wait.sql": {Data: []byte("-- +hoist up\nUPDATE held SET id = 1 WHERE id = 1;\nINSERT INTO log (id) VALUES (2);\n")},
	}
	m := newMigrator(t, db, sdk.WithFS(fsys), cancelOnMigrating(cancel),
		sdk.WithDDLLockTimeout(0)) // the statement must wait on the row lock, not time out
	_, err = m.Up(cctx)
	t.Logf("Up cancelled: %v", err)
	var me *sdk.MigrationError
	if !errors.As(err, &me) || me.Version != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Up cancelled in migration 2: %v; want a *MigrationError of migration 2 that wraps context.Canceled", err)
	}
	if me.Outcome != sdk.OutcomeUnknown || !strings.Contains(err.Error(), "its outcome is unknown: check with `hoist migrate:status`") {
		t.Errorf("Up cancelled while the server still runs the migration: outcome %v, %q; want unknown, and the message to say so", me.Outcome, err)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM log"); n != 0 {
		t.Errorf("log has %d rows; want 0", n)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2"); n != 0 {
		t.Errorf("history has %d rows of version 2; want 0", n)
	}
}

// TestCancelDuringRollback cancels Rollback while the server sleeps in
// the down of migration 2: the down is rolled back, so migration 2 stays
// applied, with its row in log and in the history.
func TestCancelDuringRollback(t *testing.T) {
	t.Parallel()
	serverEngines(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		sleep := "SELECT pg_sleep(3)"
		if db.Dialect.Name() == "mysql" {
			sleep = "SELECT SLEEP(3)"
		}
		fsys := fstest.MapFS{
			"0001_log.sql": slowFS("mysql", 0)["0001_log.sql"],
			"0002_row.sql": {Data: []byte("-- +hoist up\nINSERT INTO log (id) VALUES (2);\n-- +hoist down\n" + sleep + ";\nDELETE FROM log WHERE id = 2;\n")},
		}
		if _, err := newMigrator(t, db, sdk.WithFS(fsys)).Up(ctx); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		m := newMigrator(t, db, sdk.WithFS(fsys), sdk.WithProgress(func(_ context.Context, e sdk.Event) {
			if e.Kind == sdk.EventMigrating && e.Migration.Direction == sdk.Down {
				time.AfterFunc(500*time.Millisecond, cancel)
			}
		}))
		_, err := m.Rollback(cctx, sdk.RollbackOptions{Steps: 1})
		t.Logf("Rollback cancelled: %v", err)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 || me.Direction != sdk.Down || !errors.Is(err, context.Canceled) {
			t.Fatalf("Rollback cancelled in the down of migration 2: %v; want its *MigrationError, wrapping context.Canceled", err)
		}
		if me.Outcome != sdk.OutcomeRolledBack || !strings.Contains(err.Error(), "it was rolled back, nothing changed") {
			t.Errorf("Rollback cancelled: outcome %v, %q; want rolled back", me.Outcome, err)
		}
		time.Sleep(3 * time.Second)
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM log"); n != 1 {
			t.Errorf("log has %d rows; want the one of migration 2, whose down was cancelled", n)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2 AND state = 'applied'"); n != 1 {
			t.Errorf("history has %d applied rows of version 2; want 1", n)
		}
	})
}
