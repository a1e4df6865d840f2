package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// Child roles of the dirty-flag tests (see process_test.go).
const (
	// roleSlowDDL: Up with slowDDLMigrations, saying "migrating" when
	// the slow DDL migration starts.
	roleSlowDDL = "slowddl"
	// roleHoldNoTx is roleHold with migration 2 run without a
	// transaction.
	roleHoldNoTx = "holdnotx"
)

// slowDDLMigrations is a table, then a DDL-only migration whose second
// statement takes two seconds (MySQL).
func slowDDLMigrations(announce bool) []sdk.Option {
	opts := []sdk.Option{sdk.WithFS(fstest.MapFS{
		"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE first;\n")},
		"0002_slow.sql": {Data: []byte("-- +hoist up\nCREATE TABLE quick (id INTEGER PRIMARY KEY);\n" +
			"CREATE TABLE slow AS SELECT SLEEP(2) AS s;\n-- +hoist down\nDROP TABLE slow;\nDROP TABLE quick;\n")},
	})}
	if announce {
		opts = append(opts, sdk.WithProgress(func(_ context.Context, e sdk.Event) {
			if e.Kind == sdk.EventMigrating && e.Migration.Version == 2 {
				fmt.Println("migrating")
			}
		}))
	}
	return opts
}

// mustPanic runs f and returns what it panicked with.
func mustPanic(t *testing.T, f func()) (p any) {
	t.Helper()
	defer func() { p = recover() }()
	f()
	t.Fatal("no panic")
	return nil
}

// TestPanicAfterStatementIsDirty: a Go migration that panics after a
// statement that no rollback can undo (no transaction on every engine;
// DDL on MySQL) leaves the history dirty, so the next Up refuses with
// ErrDirty and the repair path instead of running it again; one that
// panics before any such statement leaves it pending.
func TestPanicAfterStatementIsDirty(t *testing.T) {
	t.Parallel()
	first := fstest.MapFS{"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE first;\n")}}
	half := sdk.GoMigration(2, "half", func(ctx context.Context, tx sdk.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE half (id INTEGER PRIMARY KEY)"); err != nil {
			return err
		}
		panic("half")
	}, nil)
	early := sdk.GoMigration(2, "half", func(ctx context.Context, tx sdk.Tx) error { panic("early") }, nil)
	cases := []struct {
		name    string
		mig     sdk.Migration
		engines []string
		dirty   bool
	}{
		{"no_transaction_after_a_statement", half.WithoutTransaction(), []string{"postgres", "mysql", "sqlite"}, true},
		{"mysql_ddl_in_a_transaction", half, []string{"mysql"}, true},
		{"no_transaction_before_any_statement", early.WithoutTransaction(), []string{"postgres", "mysql", "sqlite"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, db *testkit.DB) {
				if !slices.Contains(c.engines, db.Dialect.Name()) {
					t.Skip("a transaction undoes it on this engine")
				}
				ctx := testContext(t)
				m := newMigrator(t, db, sdk.WithFS(first), sdk.WithMigrations(c.mig))
				mustPanic(t, func() { _, _ = m.Up(ctx) })
				fixed := sdk.GoMigration(2, "half", func(ctx context.Context, tx sdk.Tx) error {
					_, err := tx.ExecContext(ctx, "CREATE TABLE half (id INTEGER PRIMARY KEY)")
					return err
				}, nil)
				_, err := newMigrator(t, db, sdk.WithFS(first), sdk.WithMigrations(fixed), sdk.WithLockTimeout(5*time.Second)).Up(ctx)
				if !c.dirty {
					if err != nil {
						t.Fatalf("next Up: %v; nothing of the migration ran, so it should simply run again", err)
					}
					return
				}
				if !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "2 half") || !strings.Contains(err.Error(), "migrate:repair") {
					t.Fatalf("next Up: %v; want ErrDirty naming 2 half and the repair", err)
				}
				// The repair path: undo by hand, Repair, and 2 runs again.
				if _, err := db.DB.ExecContext(ctx, "DROP TABLE half"); err != nil {
					t.Fatal(err)
				}
				rep, err := m.Repair(ctx)
				if err != nil || len(rep.Removed) != 1 || rep.Removed[0].Version != 2 {
					t.Fatalf("Repair: %v, %+v; want version 2 removed", err, rep)
				}
				res, err := newMigrator(t, db, sdk.WithFS(first), sdk.WithMigrations(fixed)).Up(ctx)
				if err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
					t.Fatalf("Up after repair: %v, %v; want [2]", err, res)
				}
			})
		})
	}
}

// TestKilledDuringDDL: a migrator process killed with SIGKILL during a
// long MySQL DDL statement leaves the history saying that migration 2
// never finished: the next Up refuses with ErrDirty (not "table already
// exists"), and Repair clears it.
func TestKilledDuringDDL(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	cmd, _, out := startChild(t, db, roleSlowDDL)
	if !out.Scan() || out.Text() != "migrating" {
		t.Fatalf("the child said %q, %v", out.Text(), out.Err())
	}
	time.Sleep(500 * time.Millisecond) // inside CREATE TABLE slow AS SELECT SLEEP(2)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	m := newMigrator(t, db, slowDDLMigrations(false)...)
	_, err := m.Up(ctx) // waits for the server to end the dead session's statement and lock
	if !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "2 slow") || !strings.Contains(err.Error(), "not finished") {
		t.Fatalf("Up after the kill: %v; want ErrDirty saying that 2 slow did not finish", err)
	}
	st, err := m.Status(ctx)
	if err != nil || len(st.Failed) != 1 || st.Failed[0].State != sdk.StateRunning {
		t.Fatalf("Status: %v, %+v; want 2 listed as running", err, st)
	}
	for _, q := range []string{"DROP TABLE IF EXISTS slow", "DROP TABLE IF EXISTS quick"} {
		if _, err := db.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := m.Repair(ctx); err != nil || len(rep.Removed) != 1 {
		t.Fatalf("Repair: %v, %+v; want the running row removed", err, rep)
	}
	if res, err := m.Up(ctx); err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
		t.Fatalf("Up after repair: %v, %v; want [2]", err, res)
	}
}

// TestRolledBackIsPending: a migration of DML only that fails (a
// duplicate key at its second INSERT) runs in a transaction that undoes
// all of it, on MySQL as on the others: it is pending again, the error
// says so, and nothing is dirty. On MySQL, once a statement committed
// implicitly, the same failure is dirty, and the error says that too.
func TestRolledBackIsPending(t *testing.T) {
	t.Parallel()
	fsys := func(second string) fstest.MapFS {
		return fstest.MapFS{
			"0001_t.sql":    {Data: []byte("-- +hoist up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE t;\n")},
			"0002_rows.sql": {Data: []byte("-- +hoist up\n" + second + "-- +hoist down\nDELETE FROM t;\n")},
		}
	}
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(fsys("INSERT INTO t (id) VALUES (1);\nINSERT INTO t (id) VALUES (1);\n")))
		_, err := m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Line != 3 {
			t.Fatalf("Up: %v; want a MigrationError at line 3", err)
		}
		if me.Dirty || !me.RolledBack || !strings.Contains(err.Error(), "rolled back, so nothing of it stays and it is still pending") ||
			strings.Contains(err.Error(), "stay,") || strings.Contains(err.Error(), "recorded") {
			t.Fatalf("error %q: dirty %v, rolled back %v; want it rolled back and saying so", err, me.Dirty, me.RolledBack)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t"); n != 0 {
			t.Fatalf("%d rows stayed; want none", n)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Failed) != 0 || !slices.Equal(statusVersions(st.Pending), []int64{2}) {
			t.Fatalf("Status: %v, failed %v, pending %v; want 2 pending and nothing failed", err, statusVersions(st.Failed), statusVersions(st.Pending))
		}
		fixed := newMigrator(t, db, sdk.WithFS(fsys("INSERT INTO t (id) VALUES (1);\nINSERT INTO t (id) VALUES (2);\n")))
		if res, err := fixed.Up(ctx); err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
			t.Fatalf("Up of the fixed migration: %v, %v; want [2]", err, res)
		}
		if db.Dialect.Name() != "mysql" {
			return
		}
		// An INSERT, a CREATE TABLE that commits it, a failing INSERT.
		mixed := fsys("INSERT INTO t (id) VALUES (1);\n")
		mixed["0003_mixed.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nINSERT INTO t (id) VALUES (3);\nCREATE TABLE u (id INTEGER);\nINSERT INTO t (id) VALUES (3);\n-- +hoist down\nDROP TABLE u;\n")}
		_, err = newMigrator(t, db, sdk.WithFS(mixed), sdk.WithChecksumPolicy(sdk.ChecksumIgnore)).Up(ctx)
		if !errors.As(err, &me) || !me.Dirty || !me.Recorded || me.Version != 3 ||
			!strings.Contains(err.Error(), "stay (committed implicitly), and the history records the migration as failed") {
			t.Fatalf("Up of a migration whose DDL committed: %v; want it dirty and recorded as failed", err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t WHERE id = 3"); n != 1 {
			t.Fatalf("%d rows 3; the CREATE TABLE committed one", n)
		}
	})
}

// TestSessionKilledByServer: the server ends the migration's session
// (KILL, pg_terminate_backend) while a migration runs in a transaction.
// The server rolls the transaction back, and the error says so, not that
// changes stay or that the migration was recorded as failed.
func TestSessionKilledByServer(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		idQuery, kill := map[string]string{
			"postgres": "SELECT pg_backend_pid()",
			"mysql":    "SELECT CONNECTION_ID()",
		}[db.Dialect.Name()], map[string]string{
			"postgres": "SELECT pg_terminate_backend(%d)",
			"mysql":    "KILL %d",
		}[db.Dialect.Name()]
		if idQuery == "" {
			t.Skip("no server to end the session")
		}
		ctx := testContext(t)
		killed := sdk.GoMigration(2, "killed", func(ctx context.Context, tx sdk.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO first (id) VALUES (1)"); err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRowContext(ctx, idQuery).Scan(&id); err != nil {
				return err
			}
			if _, err := db.DB.ExecContext(ctx, fmt.Sprintf(kill, id)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO first (id) VALUES (2)")
			return err
		}, nil)
		first := fstest.MapFS{"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE first;\n")}}
		m := newMigrator(t, db, sdk.WithFS(first), sdk.WithMigrations(killed))
		_, err := m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 {
			t.Fatalf("Up: %v; want a MigrationError of migration 2", err)
		}
		// hoist finds out from the database what the server did with the
		// transaction (outcome.go), and says it.
		if me.Dirty || !me.RolledBack || me.Outcome != sdk.OutcomeRolledBack || strings.Contains(err.Error(), "stay,") ||
			strings.Contains(err.Error(), "recorded") || !strings.Contains(err.Error(), "it was rolled back, nothing changed") {
			t.Fatalf("error %q: dirty %v; want it to say that the transaction was rolled back", err, me.Dirty)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM first"); n != 0 {
			t.Fatalf("%d rows stayed; the server rolled the transaction back", n)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Failed) != 0 || !slices.Equal(statusVersions(st.Pending), []int64{2}) {
			t.Fatalf("Status: %v, %+v; want 2 pending and nothing failed", err, st)
		}
	})
}

// TestSessionKilledDuringDDL: the server ends the session in the middle
// of the second statement of a MySQL DDL-only migration. The first
// stays; hoist cannot record the failure on the dead session, and says
// so, and the running row it wrote before the migration began makes the
// next Up refuse with ErrDirty.
func TestSessionKilledDuringDDL(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	go func() {
		for ctx.Err() == nil {
			var id int64
			err := db.DB.QueryRowContext(ctx, "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE 'CREATE TABLE slow AS%'").Scan(&id)
			if err == nil {
				_, _ = db.DB.ExecContext(ctx, fmt.Sprintf("KILL %d", id))
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	m := newMigrator(t, db, slowDDLMigrations(false)...)
	_, err := m.Up(ctx)
	var me *sdk.MigrationError
	if !errors.As(err, &me) || !me.Dirty || me.Recorded || me.RecordErr == nil ||
		!strings.Contains(err.Error(), "recording the migration as failed did not work") || !strings.Contains(err.Error(), "still says running") {
		t.Fatalf("Up: %v; want it dirty, saying that recording the failure did not work", err)
	}
	if !tableExists(t, db, "quick") {
		t.Fatal("the first statement's table should stay")
	}
	_, err = m.Up(ctx)
	if !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "2 slow") {
		t.Fatalf("next Up: %v; want ErrDirty naming 2 slow", err)
	}
}

// holdNoTx is the slow migration 2 of holdMigrations, run without a
// transaction: while it blocks, the history holds its running row.
func holdNoTx(stdin io.Reader) sdk.Migration {
	return sdk.GoMigration(2, "slow", func(ctx context.Context, tx sdk.Tx) error {
		fmt.Println("holding")
		_, err := io.Copy(io.Discard, stdin)
		return err
	}, nil).WithoutTransaction()
}

// TestRunningRowOfALiveMigrator: while another process runs a migration
// that is recorded as running, a booting migrator waits for the lock
// (and times out naming the holder) instead of calling the database
// dirty; once the holder finishes, the boot has nothing left to do.
func TestRunningRowOfALiveMigrator(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		cmd, stdin, out := startChild(t, db, roleHoldNoTx)
		if !out.Scan() || out.Text() != "holding" {
			t.Fatalf("the holding process said %q, %v", out.Text(), out.Err())
		}
		opts := append(holdMigrations(strings.NewReader("")), sdk.WithLockTimeout(200*time.Millisecond))
		opts[1] = sdk.WithMigrations(holdNoTx(strings.NewReader("")))
		m := newMigrator(t, db, opts...)
		if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrLockTimeout) {
			t.Fatalf("Up while another process runs migration 2: %v; want ErrLockTimeout", err)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Failed) != 1 || st.Failed[0].State != sdk.StateRunning {
			t.Fatalf("Status while migration 2 runs: %v, %+v; want it listed as running", err, st)
		}
		stdin.Close()
		for out.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("the holding process: %v", err)
		}
		if res, err := m.Up(ctx); err != nil || len(res.Applied) != 0 {
			t.Fatalf("Up after the holder finished: %v, %v; want nothing left", err, res)
		}
	})
}

// TestCancelledDuringDDL: a MySQL DDL statement, the first of its
// migration, whose context is cancelled is cancelled by the server (KILL
// QUERY, sent by hoist over another connection), not cut off by the
// driver closing the connection, so the server does not go on to finish
// it. MariaDB's DDL is atomic: nothing of the statement stays, the error
// says so, and the history agrees: the migration is pending, and the next
// Up applies it.
func TestCancelledDuringDDL(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slow := sdk.WithFS(fstest.MapFS{"0001_slow.sql": {Data: []byte("-- +hoist up\nCREATE TABLE slow AS SELECT SLEEP(2) AS s;\n-- +hoist down\nDROP TABLE slow;\n")}})
	m := newMigrator(t, db, slow, sdk.WithProgress(func(_ context.Context, e sdk.Event) {
		if e.Kind == sdk.EventMigrating {
			time.AfterFunc(time.Second, cancel) // inside CREATE TABLE slow AS SELECT SLEEP(2)
		}
	}))
	_, err := m.Up(cctx)
	var me *sdk.MigrationError
	if !errors.As(err, &me) || me.Dirty || !me.RolledBack || !errors.Is(err, context.Canceled) ||
		!strings.Contains(err.Error(), "nothing of it stays and it is still pending") {
		t.Fatalf("Up cancelled during DDL: %v; want it cancelled by the server, nothing left, still pending", err)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'slow'"); n != 0 {
		t.Fatalf("table slow exists after the error said nothing stays")
	}
	if res, err := newMigrator(t, db, slow).Up(ctx); err != nil || len(res.Applied) != 1 {
		t.Fatalf("next Up: %v, %v; want the migration applied", res, err)
	}
}
