package mysql_test

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

// session is one database session of its own: a separate pool with one
// connection taken out of it.
type session struct {
	db       *sql.DB
	conn     *sql.Conn
	id       int64 // CONNECTION_ID()
	database string
}

func newSession(t *testing.T, dsn string) *session {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &session{db: db, conn: conn}
	var database sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID(), DATABASE()").Scan(&s.id, &database); err != nil {
		t.Fatal(err)
	}
	s.database = database.String
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
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	if got, want := lockA.String(), "GET_LOCK('hoist:<current database>.hoist_migrations')"; got != want {
		t.Errorf("String() before use = %q, want %q", got, want)
	}
	if h := holder(t, lockB); h != "" {
		t.Errorf("Holder of a free lock = %q, want \"\"", h)
	}

	mustTry(t, lockA, true)
	if got, want := lockA.String(), "GET_LOCK('hoist:"+a.database+".hoist_migrations')"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	mustTry(t, lockA, true) // already held by this Lock
	mustTry(t, lockB, false)

	h := holder(t, lockB)
	t.Logf("Holder: %s", h)
	pattern := fmt.Sprintf(`^connection %d \(root@[^)]+\) (idle|busy) since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, a.id)
	if !regexp.MustCompile(pattern).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, pattern)
	}

	mustRelease(t, lockA) // one Release frees it, however often A tried
	mustTry(t, lockB, true)
	if h := holder(t, lockA); !strings.HasPrefix(h, fmt.Sprintf("connection %d ", b.id)) {
		t.Errorf("Holder after the lock changed hands = %q, want connection %d", h, b.id)
	}
	mustTry(t, lockA, false)
	mustRelease(t, lockB)
	mustTry(t, lockA, true)
	mustRelease(t, lockA)
}

func TestLockNames(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)

	t.Run("qualified_table_is_the_same_lock", func(t *testing.T) {
		lockA := d.NewLock(a.conn, "hoist_migrations")
		lockB := d.NewLock(b.conn, a.database+".hoist_migrations")
		mustTry(t, lockA, true)
		mustTry(t, lockB, false)
		if lockA.String() != lockB.String() {
			t.Errorf("String() = %q and %q, want the same", lockA, lockB)
		}
		mustRelease(t, lockA)
	})

	t.Run("tables_are_independent", func(t *testing.T) {
		lockA := d.NewLock(a.conn, "hoist_migrations")
		lockB := d.NewLock(b.conn, "other_migrations")
		mustTry(t, lockA, true)
		mustTry(t, lockB, true)
		mustRelease(t, lockA)
		mustRelease(t, lockB)
	})

	t.Run("databases_are_independent", func(t *testing.T) {
		lockA := d.NewLock(a.conn, "hoist_migrations")
		lockB := d.NewLock(b.conn, "some_other_database.hoist_migrations")
		mustTry(t, lockA, true)
		mustTry(t, lockB, true)
		mustRelease(t, lockA)
		mustRelease(t, lockB)
	})

	t.Run("long_name_is_hashed", func(t *testing.T) {
		table := strings.Repeat("long_", 12) + "migrations"
		lockA := d.NewLock(a.conn, table)
		lockB := d.NewLock(b.conn, table)
		mustTry(t, lockA, true)
		sum := sha1.Sum([]byte(a.database + "." + table))
		if got, want := lockA.String(), "GET_LOCK('hoist:"+hex.EncodeToString(sum[:])+"')"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		mustTry(t, lockB, false)
		if h := holder(t, lockB); !strings.HasPrefix(h, fmt.Sprintf("connection %d ", a.id)) {
			t.Errorf("Holder = %q, want connection %d", h, a.id)
		}
		mustRelease(t, lockA)
	})
}

func TestLockNeedsDatabase(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	cfg, err := gomysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	s := newSession(t, cfg.FormatDSN())

	_, err = mysql.New().NewLock(s.conn, "hoist_migrations").TryAcquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no database selected") {
		t.Errorf("TryAcquire without a database = %v, want a \"no database selected\" error", err)
	}
	lock := mysql.New().NewLock(s.conn, "app.hoist_migrations")
	mustTry(t, lock, true) // a qualified table needs no current database
	mustRelease(t, lock)
}

func TestLockReleaseNotHeld(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	err := lockA.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not held") {
		t.Errorf("Release of a lock never taken = %v, want a \"not held\" error", err)
	}

	mustTry(t, lockA, true)
	err = lockB.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another connection") {
		t.Errorf("Release by another connection = %v, want a \"held by another connection\" error", err)
	}
	mustTry(t, lockB, false) // B's failed Release left A's lock alone
	mustRelease(t, lockA)
	if err := lockA.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
}

func TestLockEndsWithSession(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)
	lockA := d.NewLock(a.conn, "hoist_migrations")
	lockB := d.NewLock(b.conn, "hoist_migrations")

	mustTry(t, lockA, true)
	mustTry(t, lockB, false)
	a.close(t) // no Release

	// The server ends the thread a moment after the client goes away.
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
