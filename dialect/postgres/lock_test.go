package postgres_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

// session is one database session of its own: a separate pool with one
// connection taken out of it.
type session struct {
	db   *sql.DB
	conn *sql.Conn
	pid  int
}

func newSession(t *testing.T, tdb *testkit.DB, app string) *session {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open(tdb.Driver, tdb.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "SET application_name = '"+app+"'"); err != nil {
		t.Fatal(err)
	}
	s := &session{db: db, conn: conn}
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&s.pid); err != nil {
		t.Fatal(err)
	}
	return s
}

// close ends the session without releasing anything.
func (s *session) close(t *testing.T) {
	t.Helper()
	if err := s.conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
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

func TestLock(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, b := newSession(t, db, "migrator_a"), newSession(t, db, "migrator_b")
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	sum := sha256.Sum256([]byte("hoist:hoist_migrations"))
	wantName := fmt.Sprintf("pg_advisory_lock(%d)", int64(binary.BigEndian.Uint64(sum[:8])))
	if got := lockA.String(); got != wantName {
		t.Errorf("String() = %q, want %q", got, wantName)
	}
	if h := holder(t, lockB); h != "" {
		t.Errorf("Holder of a free lock = %q, want \"\"", h)
	}

	mustTry(t, lockA, true)
	mustTry(t, lockA, true) // already held by this Lock
	mustTry(t, lockB, false)

	h := holder(t, lockB)
	t.Logf("Holder: %s", h)
	pattern := fmt.Sprintf(`^pid %d \(migrator_a\) from [0-9a-f.:]+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, a.pid)
	if !regexp.MustCompile(pattern).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, pattern)
	}

	mustRelease(t, lockA) // one Release frees it, however often A tried
	mustTry(t, lockB, true)
	if h := holder(t, lockA); !strings.HasPrefix(h, fmt.Sprintf("pid %d (migrator_b)", b.pid)) {
		t.Errorf("Holder after the lock changed hands = %q, want session B (pid %d)", h, b.pid)
	}
	mustTry(t, lockA, false)
	mustRelease(t, lockB)
	mustTry(t, lockA, true)
	mustRelease(t, lockA)
}

func TestLockTablesAreIndependent(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, b := newSession(t, db, "a"), newSession(t, db, "b")

	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "app.hoist_migrations")
	if lockA.String() == lockB.String() {
		t.Fatalf("both tables have lock %s", lockA)
	}
	mustTry(t, lockA, true)
	mustTry(t, lockB, true)
	mustRelease(t, lockA)
	mustRelease(t, lockB)
}

func TestLockReleaseNotHeld(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, b := newSession(t, db, "a"), newSession(t, db, "b")
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	err := lockA.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not held") {
		t.Errorf("Release of a lock never taken = %v, want a \"not held\" error", err)
	}

	mustTry(t, lockA, true)
	if err := lockB.Release(context.Background()); err == nil {
		t.Error("Release by another session succeeded, want an error")
	}
	mustTry(t, lockB, false) // B's failed Release left A's lock alone
	mustRelease(t, lockA)
	if err := lockA.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
}

func TestLockEndsWithSession(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, b := newSession(t, db, "a"), newSession(t, db, "b")
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	mustTry(t, lockA, true)
	mustTry(t, lockB, false)
	a.close(t) // no Release

	// The server ends the backend a moment after the client goes away.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := lockB.TryAcquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock still held 10s after session A ended, by %q", holder(t, lockB))
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustRelease(t, lockB)
}
