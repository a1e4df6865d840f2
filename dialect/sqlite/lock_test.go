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

	"github.com/hoistdb/hoist/dialect"
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
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
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

func mustTry(t *testing.T, l dialect.Lock, want bool) {
	t.Helper()
	got, err := l.TryAcquire(context.Background())
	if err != nil {
		t.Fatalf("TryAcquire: %v", err)
	}
	if got != want {
		t.Fatalf("TryAcquire = %v, want %v", got, want)
	}
}

func mustRelease(t *testing.T, l dialect.Lock) {
	t.Helper()
	if err := l.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

func holder(t *testing.T, l dialect.Lock) string {
	t.Helper()
	h, err := l.Holder(context.Background())
	if err != nil {
		t.Fatalf("Holder: %v", err)
	}
	return h
}

// holderPattern matches what a lock holder in process pid writes.
func holderPattern(pid int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`^pid %d on \S+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, pid))
}

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
	if h := holder(t, lockB); h != "" {
		t.Errorf("Holder of a free lock = %q, want \"\"", h)
	}

	mustTry(t, lockA, true)
	if got, want := lockA.String(), "flock("+path+")"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	mustTry(t, lockA, true) // already held by this Lock
	mustTry(t, lockB, false)

	h := holder(t, lockB)
	t.Logf("Holder: %s", h)
	if !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, holderPattern(os.Getpid()))
	}
	if h2 := holder(t, lockA); h2 != h {
		t.Errorf("Holder through the holding lock = %q, want %q", h2, h)
	}

	mustRelease(t, lockA)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("lock file after Release: %v, want it kept", err)
	}
	if h := holder(t, lockB); h != "" {
		t.Errorf("Holder after Release = %q, want \"\"", h)
	}
	mustTry(t, lockB, true)
	mustTry(t, lockA, false)
	if h := holder(t, lockA); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder after the lock changed hands = %q, want this process", h)
	}
	mustRelease(t, lockB)
	mustTry(t, lockA, true)
	mustRelease(t, lockA)
}

func TestLockTablesAreIndependent(t *testing.T) {
	t.Parallel()
	needFlock(t)
	db := testkit.SQLite(t)
	d := sqlite.New()
	lockA := d.NewLock(newConn(t, db.DSN), "hoist_migrations")
	lockB := d.NewLock(newConn(t, db.DSN), "other_migrations")
	mustTry(t, lockA, true)
	mustTry(t, lockB, true)
	if lockA.String() == lockB.String() {
		t.Errorf("both tables have lock %s", lockA)
	}
	mustRelease(t, lockA)
	mustRelease(t, lockB)
}

func TestLockReleaseNotHeld(t *testing.T) {
	t.Parallel()
	needFlock(t)
	db := testkit.SQLite(t)
	d := sqlite.New()
	lockA := d.NewLock(newConn(t, db.DSN), "hoist_migrations")
	lockB := d.NewLock(newConn(t, db.DSN), "hoist_migrations")

	err := lockA.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not held") {
		t.Errorf("Release of a lock never taken = %v, want a \"not held\" error", err)
	}
	mustTry(t, lockA, true)
	if err := lockB.Release(context.Background()); err == nil {
		t.Error("Release through a lock that lost the race succeeded, want an error")
	}
	mustTry(t, lockB, false) // B's failed Release left A's lock alone
	mustRelease(t, lockA)
	if err := lockA.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
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
		mustTry(t, lock, true)
		if got := busyTimeout(conn); got != 5000 {
			t.Errorf("busy_timeout while held = %d, want 5000", got)
		}
		mustRelease(t, lock)
		if got := busyTimeout(conn); got != 0 {
			t.Errorf("busy_timeout after Release = %d, want 0", got)
		}
	})

	t.Run("kept_when_set", func(t *testing.T) {
		conn := newConn(t, db.DSN) // the DSN sets 10000
		lock := sqlite.New().NewLock(conn, "other_migrations")
		mustTry(t, lock, true)
		if got := busyTimeout(conn); got != 10000 {
			t.Errorf("busy_timeout while held = %d, want 10000", got)
		}
		mustRelease(t, lock)
		if got := busyTimeout(conn); got != 10000 {
			t.Errorf("busy_timeout after Release = %d, want 10000", got)
		}
	})
}

func TestLockInMemory(t *testing.T) {
	t.Parallel()
	lock := sqlite.New().NewLock(newConn(t, "file::memory:"), "hoist_migrations")
	mustTry(t, lock, true)
	if got, want := lock.String(), "no lock (private in-memory or temporary database)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if h := holder(t, lock); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder while held = %q, want this process", h)
	}
	mustRelease(t, lock)
	if h := holder(t, lock); h != "" {
		t.Errorf("Holder after Release = %q, want \"\"", h)
	}
	if err := lock.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
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
	mustTry(t, lock, true)
	if got, want := lock.String(), "flock("+aux+".hoist-hoist_migrations.lock)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	mustRelease(t, lock)

	_, err := sqlite.New().NewLock(conn, "nope.hoist_migrations").TryAcquire(ctx)
	if err == nil || !strings.Contains(err.Error(), `no attached database "nope"`) {
		t.Errorf("TryAcquire in a schema that is not attached = %v, want a \"no attached database\" error", err)
	}
}
