package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ddlRetryLog is what the migrator logs before it tries a migration
// again that timed out waiting for a lock.
const ddlRetryLog = "hoist: a migration timed out waiting for a lock; retrying"

// ddlEngine is how each engine's part of the lock-safe DDL tests differs.
type ddlEngine struct {
	name  string
	open  func(testing.TB) *testkit.DB
	bound time.Duration // WithDDLLockTimeout
	// reader is run on a reader's connection: it makes the reader give
	// up after waiting a few times the bound for a lock.
	reader string
	// hold begins a transaction on conn that holds a lock that the
	// ALTER TABLE of migration 2 must wait for.
	hold func(ctx context.Context, conn *sql.Conn) error
	// holderID returns how the migrator must name the holder, "" when
	// the engine cannot tell who it is.
	holderID func(ctx context.Context, conn *sql.Conn) (string, error)
}

// readTable holds the table in an open transaction that has read it:
// PostgreSQL's ACCESS SHARE lock, MariaDB's shared metadata lock, both
// held until the transaction ends, and both in the way of ALTER TABLE.
func readTable(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	var n int
	return conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n)
}

func idOf(query, format string) func(context.Context, *sql.Conn) (string, error) {
	return func(ctx context.Context, conn *sql.Conn) (string, error) {
		var id int64
		err := conn.QueryRowContext(ctx, query).Scan(&id)
		return fmt.Sprintf(format, id), err
	}
}

var ddlEngines = []ddlEngine{
	{
		name: "postgres", open: func(t testing.TB) *testkit.DB { return testkit.Postgres(t) },
		bound: 200 * time.Millisecond, reader: "SET lock_timeout = '800ms'",
		hold: readTable, holderID: idOf("SELECT pg_backend_pid()", "pid %d"),
	},
	{
		name: "mysql", open: func(t testing.TB) *testkit.DB { return testkit.MySQL(t) },
		bound: time.Second, reader: "SET SESSION lock_wait_timeout = 4",
		hold: readTable, holderID: idOf("SELECT CONNECTION_ID()", "connection %d"),
	},
	{
		// SQLite locks the database, not a table: the holder is a write
		// transaction on another connection.
		name: "sqlite", open: func(t testing.TB) *testkit.DB { return testkit.SQLite(t) },
		bound: 200 * time.Millisecond, reader: "PRAGMA busy_timeout = 800",
		hold: func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
			return err
		},
		holderID: func(context.Context, *sql.Conn) (string, error) { return "", nil },
	},
}

func ddlFS(withAlter bool) fstest.MapFS {
	fsys := fstest.MapFS{
		"0001_create_t.sql": {Data: []byte("-- +hoist up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE t;\n")},
	}
	if withAlter {
		fsys["0002_add_note.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nALTER TABLE t ADD COLUMN note VARCHAR(20);\n")}
	}
	return fsys
}

// retryLog is a slog.Handler that keeps the blocker named by every
// retry the migrator logs, and calls onRetry with their count.
type retryLog struct {
	mu       sync.Mutex
	blockers []string
	onRetry  func(n int)
}

func (*retryLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *retryLog) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h *retryLog) WithGroup(string) slog.Handler          { return h }
func (h *retryLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != ddlRetryLog {
		return nil
	}
	h.mu.Lock()
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "blocker" {
			h.blockers = append(h.blockers, a.Value.String())
		}
		return true
	})
	n := len(h.blockers)
	h.mu.Unlock()
	if h.onRetry != nil {
		h.onRetry(n)
	}
	return nil
}

// setupHeld applies migration 1, then holds table t in an open
// transaction on a connection of its own, and returns that connection
// and the name the migrator must give its session.
func setupHeld(t *testing.T, e ddlEngine, db *testkit.DB) (holder *sql.Conn, id string) {
	t.Helper()
	ctx := testContext(t)
	if _, err := newMigrator(t, db, sdk.WithFS(ddlFS(false))).Up(ctx); err != nil {
		t.Fatalf("Up of migration 1: %v", err)
	}
	holder, err := db.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Close() })
	if id, err = e.holderID(ctx, holder); err != nil {
		t.Fatal(err)
	}
	if err := e.hold(ctx, holder); err != nil {
		t.Fatalf("holding t: %v", err)
	}
	return holder, id
}

// TestDDLLockWaitIsBounded: a session holds table t in an open
// transaction while a migrator boots with an ALTER TABLE t. The
// migration never makes the table's other readers wait longer than its
// bound: readers that give up after a few times the bound all succeed
// while it waits and retries. Each retry names the holder. When the
// holder commits, the boot completes and the migration is applied once.
func TestDDLLockWaitIsBounded(t *testing.T) {
	t.Parallel()
	for _, e := range ddlEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := testContext(t)
			holder, id := setupHeld(t, e, db)

			const wantRetries = 3
			retried := make(chan struct{})
			var once sync.Once
			log := &retryLog{onRetry: func(n int) {
				if n >= wantRetries {
					once.Do(func() { close(retried) })
				}
			}}
			m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(ddlFS(true)), sdk.WithLogger(slog.New(log)),
				sdk.WithDDLLockTimeout(e.bound), sdk.WithDDLRetries(50))
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				res *sdk.Result
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := m.Up(ctx)
				done <- result{res, err}
			}()

			reader, err := db.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer reader.Close()
			if _, err := reader.ExecContext(ctx, e.reader); err != nil {
				t.Fatal(err)
			}
			reads, slowest := 0, time.Duration(0) // slowest is logged for the docs, not asserted
		read:
			for {
				select {
				case <-retried:
					break read
				case r := <-done:
					t.Fatalf("Up returned while t was held: %v", r.err)
				case <-ctx.Done():
					t.Fatal("no retries logged before the test's deadline")
				default:
				}
				var n int
				began := time.Now()
				if err := reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
					t.Fatalf("a reader of t waited longer than a few times the bound of %s while the migration waited: %v", e.bound, err)
				}
				reads++
				slowest = max(slowest, time.Since(began))
				time.Sleep(10 * time.Millisecond)
			}
			if reads == 0 {
				t.Fatal("no reader ran while the migration waited: the test proves nothing")
			}
			t.Logf("%d reads of t succeeded while the migration waited and retried; the slowest took %s", reads, slowest)
			if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil {
				t.Fatalf("Up after the holder committed: %v", r.err)
			}
			if got := versions(r.res.Applied); len(got) != 1 || got[0] != 2 {
				t.Fatalf("Up applied %v; want [2]", got)
			}
			log.mu.Lock()
			for _, b := range log.blockers {
				if !strings.Contains(b, id) {
					t.Errorf("a retry named the blocker %q; want it to name %q", b, id)
				}
			}
			log.mu.Unlock()
			if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2"); n != 1 {
				t.Fatalf("history has %d rows of migration 2; want 1", n)
			}
			if n := countRows(t, db.DB, "SELECT COUNT(note) FROM t"); n != 0 {
				t.Fatalf("column note holds %d values; want an empty new column", n)
			}
		})
	}
}

// TestDDLLockRetriesExhausted: when the holder keeps table t past the
// last retry, Up fails with ErrDDLLockTimeout, in a MigrationError that
// names the holder and the options to change, and leaves migration 2
// pending with nothing of it applied; once the holder is gone, the next
// Up applies it.
func TestDDLLockRetriesExhausted(t *testing.T) {
	t.Parallel()
	for _, e := range ddlEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := testContext(t)
			holder, id := setupHeld(t, e, db)

			log := &retryLog{}
			m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(ddlFS(true)), sdk.WithLogger(slog.New(log)),
				sdk.WithDDLLockTimeout(e.bound), sdk.WithDDLRetries(1))
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.Up(ctx)
			var me *sdk.MigrationError
			if !errors.Is(err, sdk.ErrDDLLockTimeout) || !errors.As(err, &me) || me.Version != 2 || me.Dirty {
				t.Fatalf("Up while t stayed held: %v; want ErrDDLLockTimeout in a MigrationError of version 2, not dirty", err)
			}
			for _, want := range []string{id, "2 times", "WithDDLLockTimeout", "WithDDLRetries"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q: %v", want, err)
				}
			}
			if e.name == "postgres" && !strings.Contains(err.Error(), "SELECT COUNT(*) FROM t") {
				t.Errorf("the error does not name the holder's query: %v", err)
			}
			if len(res.Applied) != 0 || len(log.blockers) != 1 {
				t.Fatalf("Up applied %v after %d retries; want nothing after 1", versions(res.Applied), len(log.blockers))
			}
			if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2"); n != 0 {
				t.Fatalf("history has %d rows of migration 2 that timed out; want none", n)
			}
			if res, err = m.Up(ctx); err != nil || len(res.Applied) != 1 {
				t.Fatalf("Up once t was free: %v, applied %v; want [2]", err, versions(res.Applied))
			}
		})
	}
}

// TestDDLLockTimeoutRestored: the bound is the migration connection's
// only for the run; the session the pool gets back waits as before.
func TestDDLLockTimeoutRestored(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		db.DB.SetMaxOpenConns(1) // the migration's session is the one the pool hands out next
		show := map[string]string{
			"postgres": "SELECT current_setting('lock_timeout')",
			"mysql":    "SELECT CONCAT(@@SESSION.lock_wait_timeout, ' ', @@SESSION.innodb_lock_wait_timeout)",
			"sqlite":   "PRAGMA busy_timeout",
		}[db.Dialect.Name()]
		read := func() string {
			t.Helper()
			var v string
			if err := db.DB.QueryRowContext(ctx, show).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := read()
		if _, err := newMigrator(t, db, sdk.WithFS(ddlFS(true)), sdk.WithDDLLockTimeout(3*time.Second)).Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		if after := read(); after != before {
			t.Fatalf("after Up the pooled session waits for locks %q; want %q as before", after, before)
		}
	})
}

func TestDDLOptionsValidate(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	for _, tc := range []struct {
		name string
		opt  sdk.Option
		want string
	}{
		{"negative_timeout", sdk.WithDDLLockTimeout(-time.Second), "WithDDLLockTimeout: -1s is negative"},
		{"sub_millisecond_timeout", sdk.WithDDLLockTimeout(time.Microsecond), "less than the millisecond"},
		{"negative_retries", sdk.WithDDLRetries(-1), "WithDDLRetries: -1 is not between 0 and 100"},
		{"too_many_retries", sdk.WithDDLRetries(1000), "WithDDLRetries: 1000 is not between 0 and 100"},
		{"zero_timeout", sdk.WithDDLLockTimeout(0), ""},
		{"zero_retries", sdk.WithDDLRetries(0), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(ddlFS(false)), tc.opt)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("sdk.New: %v; want %q", err, tc.want)
			}
		})
	}
}

// TestDDLBoundSparesConcurrentIndexPostgres: CREATE INDEX CONCURRENTLY,
// in a migration without a transaction, waits for older transactions
// without holding up reads or writes, and cut short it leaves an invalid
// index behind. So it runs without the bound: while a transaction older
// than it stays open for several times the bound, it waits, and then
// builds a valid index.
func TestDDLBoundSparesConcurrentIndexPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	if _, err := newMigrator(t, db, sdk.WithFS(ddlFS(false))).Up(ctx); err != nil {
		t.Fatal(err)
	}
	holder, err := db.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	// A snapshot that CREATE INDEX CONCURRENTLY must outwait.
	if _, err := holder.ExecContext(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := holder.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	const bound = 100 * time.Millisecond
	time.AfterFunc(10*bound, func() { _, _ = holder.ExecContext(ctx, "COMMIT") })
	fsys := ddlFS(false)
	fsys["0002_index.sql"] = &fstest.MapFile{Data: []byte("-- +hoist no-transaction\n-- +hoist up\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n")}
	if _, err := newMigrator(t, db, sdk.WithFS(fsys), sdk.WithDDLLockTimeout(bound)).Up(ctx); err != nil {
		t.Fatalf("Up of CREATE INDEX CONCURRENTLY behind an older transaction: %v", err)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM pg_index WHERE indexrelid = 't_id'::regclass AND indisvalid"); n != 1 {
		t.Fatal("index t_id is not valid")
	}
}

// TestDDLLockWaitRollback: a down that drops a column waits for the
// table like an ALTER. Rolled back while a session holds the table, it
// retries instead of stalling the table, and completes once the holder
// commits.
func TestDDLLockWaitRollback(t *testing.T) {
	t.Parallel()
	for _, e := range ddlEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := testContext(t)
			fsys := ddlFS(false)
			fsys["0002_add_note.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nALTER TABLE t ADD COLUMN note VARCHAR(20);\n-- +hoist down\nALTER TABLE t DROP COLUMN note;\n")}
			retried := make(chan struct{})
			var once sync.Once
			log := &retryLog{onRetry: func(int) { once.Do(func() { close(retried) }) }}
			m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(fsys), sdk.WithLogger(slog.New(log)),
				sdk.WithDDLLockTimeout(e.bound), sdk.WithDDLRetries(50))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatalf("Up: %v", err)
			}
			holder, err := db.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Close()
			if err := e.hold(ctx, holder); err != nil {
				t.Fatalf("holding t: %v", err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1})
				done <- err
			}()
			select {
			case <-retried:
			case err := <-done:
				t.Fatalf("Rollback returned while t was held: %v", err)
			case <-ctx.Done():
				t.Fatal("no retry logged before the test's deadline")
			}
			if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Rollback after the holder committed: %v", err)
			}
			if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE version = 2"); n != 0 {
				t.Fatalf("history still has migration 2 after its rollback (%d rows)", n)
			}
		})
	}
}

// TestDDLLockWaitSingleTransaction: under WithSingleTransaction the
// batch is one transaction that rolls back whole, so it is the batch
// that waits at most the bound and is tried again, until the holder
// commits.
func TestDDLLockWaitSingleTransaction(t *testing.T) {
	t.Parallel()
	for _, e := range ddlEngines {
		if e.name == "mysql" { // WithSingleTransaction is refused there
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := testContext(t)
			holder, _ := setupHeld(t, e, db)
			retried := make(chan struct{})
			var once sync.Once
			log := &retryLog{onRetry: func(int) { once.Do(func() { close(retried) }) }}
			m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(ddlFS(true)), sdk.WithLogger(slog.New(log)),
				sdk.WithSingleTransaction(), sdk.WithDDLLockTimeout(e.bound), sdk.WithDDLRetries(50))
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				res *sdk.Result
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := m.Up(ctx)
				done <- result{res, err}
			}()
			select {
			case <-retried:
			case r := <-done:
				t.Fatalf("Up returned while t was held: %v", r.err)
			case <-ctx.Done():
				t.Fatal("no retry logged before the test's deadline")
			}
			if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil || len(r.res.Applied) != 1 {
				t.Fatalf("Up after the holder committed: %v, applied %v; want [2]", r.err, versions(r.res.Applied))
			}
		})
	}
}
