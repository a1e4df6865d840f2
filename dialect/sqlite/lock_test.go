package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// needFlock skips tests of file locks where they are not implemented.
func needFlock(t *testing.T) {
	t.Helper()
	if !haveFlock {
		t.Skipf("file locks are not implemented on %s", runtime.GOOS)
	}
}

// newConn opens a pool of its own on dsn and takes one connection out of
// it.
func newConn(t *testing.T, dsn string) *sql.Conn {
	t.Helper()
	return enginetest.Open(t, "sqlite", dsn).Conn
}

// databaseFile returns the file of the main database behind conn.
func databaseFile(t *testing.T, conn *sql.Conn) string {
	t.Helper()
	var (
		seq        int
		name, file string
	)
	if err := conn.QueryRowContext(context.Background(), "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return file
}

// holderPattern matches what a lock holder in process pid writes.
func holderPattern(pid int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`^pid %d on \S+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, pid))
}

// TestLock checks the lock's file, its name and what Holder reads from
// it; the shared suite checks that it excludes.
func TestLock(t *testing.T) {
	t.Parallel()
	needFlock(t)
	db := testkit.SQLite(t)
	d := sqlite.New()
	connA, connB := newConn(t, db.DSN), newConn(t, db.DSN)
	lockA := d.NewLock(connA, "hoist_migrations")
	lockB := d.NewLock(connB, "hoist_migrations")
	path := databaseFile(t, connA) + ".hoist-hoist_migrations.lock"

	if got, want := lockA.String(), "flock(<database file>.hoist-hoist_migrations.lock)"; got != want {
		t.Errorf("String() before use = %q, want %q", got, want)
	}

	enginetest.TryAcquire(t, lockA, true)
	if got, want := lockA.String(), "flock("+path+")"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	h := enginetest.Holder(t, lockB)
	t.Logf("Holder: %s", h)
	if !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, holderPattern(os.Getpid()))
	}
	if h2 := enginetest.Holder(t, lockA); h2 != h {
		t.Errorf("Holder through the holding lock = %q, want %q", h2, h)
	}

	enginetest.Release(t, lockA)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("lock file after Release: %v, want it kept", err)
	}
	enginetest.TryAcquire(t, lockB, true)
	if h := enginetest.Holder(t, lockA); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder after the lock changed hands = %q, want this process", h)
	}
	enginetest.Release(t, lockB)
}

func TestLockBusyTimeout(t *testing.T) {
	t.Parallel()
	needFlock(t)
	db := testkit.SQLite(t)
	ctx := context.Background()
	busyTimeout := func(conn *sql.Conn) int {
		t.Helper()
		var ms int
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&ms); err != nil {
			t.Fatal(err)
		}
		return ms
	}

	t.Run("raised_from_zero_and_restored", func(t *testing.T) {
		conn := newConn(t, db.DSN)
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
			t.Fatal(err)
		}
		lock := sqlite.New().NewLock(conn, "hoist_migrations")
		enginetest.TryAcquire(t, lock, true)
		if got := busyTimeout(conn); got != 5000 {
			t.Errorf("busy_timeout while held = %d, want 5000", got)
		}
		enginetest.Release(t, lock)
		if got := busyTimeout(conn); got != 0 {
			t.Errorf("busy_timeout after Release = %d, want 0", got)
		}
	})

	t.Run("kept_when_set", func(t *testing.T) {
		conn := newConn(t, db.DSN) // the DSN sets 10000
		lock := sqlite.New().NewLock(conn, "other_migrations")
		enginetest.TryAcquire(t, lock, true)
		if got := busyTimeout(conn); got != 10000 {
			t.Errorf("busy_timeout while held = %d, want 10000", got)
		}
		enginetest.Release(t, lock)
		if got := busyTimeout(conn); got != 10000 {
			t.Errorf("busy_timeout after Release = %d, want 10000", got)
		}
	})
}

func TestLockInMemory(t *testing.T) {
	t.Parallel()
	// A table name of its own: the lock of a database without a file is
	// shared by the whole process (TestLockSharedMemory).
	lock := sqlite.New().NewLock(newConn(t, "file::memory:"), "in_memory_lock")
	enginetest.TryAcquire(t, lock, true)
	if got, want := lock.String(), "in-process lock of in_memory_lock (in-memory or temporary database)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if h := enginetest.Holder(t, lock); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder while held = %q, want this process", h)
	}
	enginetest.Release(t, lock)
	if h := enginetest.Holder(t, lock); h != "" {
		t.Errorf("Holder after Release = %q, want \"\"", h)
	}
	if err := lock.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
}

// TestLockSharedMemory: two connections of a shared-cache in-memory
// database, from two pools, exclude each other, as two connections to a
// file do; so do two private in-memory databases with the same history
// table, since SQLite cannot tell hoist which database a connection is
// on.
func TestLockSharedMemory(t *testing.T) {
	t.Parallel()
	const table = "shared_memory_lock"
	dsn := fmt.Sprintf("file:shared_memory_lock_%d?mode=memory&cache=shared", os.Getpid())
	connA, connB := newConn(t, dsn), newConn(t, dsn)
	d := sqlite.New()
	lockA, lockB := d.NewLock(connA, table), d.NewLock(connB, table)

	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockB, false)
	if h := enginetest.Holder(t, lockB); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder through the waiting lock = %q, want this process", h)
	}
	private := d.NewLock(newConn(t, ":memory:"), strings.ToUpper(table))
	enginetest.TryAcquire(t, private, false)
	other := d.NewLock(newConn(t, ":memory:"), "another_table")
	enginetest.TryAcquire(t, other, true)
	enginetest.Release(t, other)

	enginetest.Release(t, lockA)
	if h := enginetest.Holder(t, lockB); h != "" {
		t.Errorf("Holder after Release = %q, want \"\"", h)
	}
	enginetest.TryAcquire(t, lockB, true)
	enginetest.TryAcquire(t, lockA, false)
	enginetest.Release(t, lockB)
}

func TestLockAttachedDatabase(t *testing.T) {
	t.Parallel()
	needFlock(t)
	db := testkit.SQLite(t)
	ctx := context.Background()
	aux := filepath.Join(t.TempDir(), "aux.db")
	conn := newConn(t, db.DSN)
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS aux", aux); err != nil {
		t.Fatal(err)
	}

	lock := sqlite.New().NewLock(conn, "aux.hoist_migrations")
	enginetest.TryAcquire(t, lock, true)
	if got, want := lock.String(), "flock("+aux+".hoist-hoist_migrations.lock)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	enginetest.Release(t, lock)

	_, err := sqlite.New().NewLock(conn, "nope.hoist_migrations").TryAcquire(ctx)
	if err == nil || !strings.Contains(err.Error(), `no attached database "nope"`) {
		t.Errorf("TryAcquire in a schema that is not attached = %v, want a \"no attached database\" error", err)
	}
}
