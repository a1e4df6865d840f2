package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// TestRelaxCommits: in WAL mode the lock lowers FULL or EXTRA to NORMAL
// while held and puts the connection's own level back at Release; it
// never raises a lower level, and leaves rollback-journal modes alone.
func TestRelaxCommits(t *testing.T) {
	t.Parallel()
	needFlock(t)
	ctx := context.Background()
	level := func(conn *sql.Conn) int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wal := testkit.SQLite(t).DSN
	for _, tc := range []struct {
		name, dsn     string
		own, whileSet int
	}{
		{"wal_full", wal, 2, 1},
		{"wal_extra", wal, 3, 1},
		{"wal_normal", wal, 1, 1},
		{"wal_off", wal, 0, 0},
		{"delete_full", "file:" + filepath.Join(t.TempDir(), "d.db") + "?_pragma=journal_mode(DELETE)", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := newConn(t, tc.dsn)
			if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = "+strconv.Itoa(tc.own)); err != nil {
				t.Fatal(err)
			}
			lock := sqlite.New().NewLock(conn, tc.name+"_migrations")
			enginetest.TryAcquire(t, lock, true)
			if err := lock.(dialect.RelaxedCommits).RelaxCommits(ctx); err != nil {
				t.Fatalf("RelaxCommits: %v", err)
			}
			if got := level(conn); got != tc.whileSet {
				t.Errorf("synchronous while held = %d, want %d", got, tc.whileSet)
			}
			enginetest.Release(t, lock)
			if got := level(conn); got != tc.own {
				t.Errorf("synchronous after Release = %d, want %d, the connection's own", got, tc.own)
			}
		})
	}
}

// TestRelaxCommitsInTransaction: a connection that a migration left
// inside a transaction cannot get its level back (SQLite refuses to
// change it there), so Release fails, and the engine closes the
// connection rather than hand it back at NORMAL; the lock is released
// all the same.
func TestRelaxCommitsInTransaction(t *testing.T) {
	t.Parallel()
	needFlock(t)
	ctx := context.Background()
	db := testkit.SQLite(t)
	conn := newConn(t, db.DSN)
	lock := sqlite.New().NewLock(conn, "hoist_migrations")
	enginetest.TryAcquire(t, lock, true)
	if err := lock.(dialect.RelaxedCommits).RelaxCommits(ctx); err != nil {
		t.Fatalf("RelaxCommits: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	err := lock.Release(ctx)
	if err == nil || !strings.Contains(err.Error(), "restore synchronous = 2") {
		t.Fatalf("Release inside a transaction = %v; want the failure to restore synchronous = 2", err)
	}
	other := sqlite.New().NewLock(newConn(t, db.DSN), "hoist_migrations")
	enginetest.TryAcquire(t, other, true)
	enginetest.Release(t, other)
}
