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

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

// session is a session of its own with its CONNECTION_ID() and current
// database.
type session struct {
	*enginetest.Session
	id       int64
	database string
}

func newSession(t *testing.T, dsn string) *session {
	t.Helper()
	s := &session{Session: enginetest.Open(t, "mysql", dsn)}
	var database sql.NullString
	if err := s.Conn.QueryRowContext(context.Background(), "SELECT CONNECTION_ID(), DATABASE()").Scan(&s.id, &database); err != nil {
		t.Fatal(err)
	}
	s.database = database.String
	return s
}

// TestLock checks the lock's name and what Holder says about the
// connection holding it; the shared suite checks that it excludes.
func TestLock(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)
	lockA := d.NewLock(a.Conn, "hoist_migrations")
	lockB := d.NewLock(b.Conn, "hoist_migrations")

	if got, want := lockA.String(), "GET_LOCK('hoist:<current database>.hoist_migrations')"; got != want {
		t.Errorf("String() before use = %q, want %q", got, want)
	}

	enginetest.TryAcquire(t, lockA, true)
	if got, want := lockA.String(), "GET_LOCK('hoist:"+a.database+".hoist_migrations')"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	h := enginetest.Holder(t, lockB)
	t.Logf("Holder: %s", h)
	pattern := fmt.Sprintf(`^connection %d \(root@[^)]+\) (idle|busy) since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, a.id)
	if !regexp.MustCompile(pattern).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, pattern)
	}

	enginetest.Release(t, lockA)
	enginetest.TryAcquire(t, lockB, true)
	if h := enginetest.Holder(t, lockA); !strings.HasPrefix(h, fmt.Sprintf("connection %d ", b.id)) {
		t.Errorf("Holder after the lock changed hands = %q, want connection %d", h, b.id)
	}
	enginetest.Release(t, lockB)
}

// TestLockNames: the lock is named after the database and the table, so
// a table qualified with the current database is the same lock and one
// in another database is not; a name too long for MySQL is hashed.
func TestLockNames(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)

	t.Run("qualified_table_is_the_same_lock", func(t *testing.T) {
		lockA := d.NewLock(a.Conn, "hoist_migrations")
		lockB := d.NewLock(b.Conn, a.database+".hoist_migrations")
		enginetest.TryAcquire(t, lockA, true)
		enginetest.TryAcquire(t, lockB, false)
		if lockA.String() != lockB.String() {
			t.Errorf("String() = %q and %q, want the same", lockA, lockB)
		}
		enginetest.Release(t, lockA)
	})

	t.Run("databases_are_independent", func(t *testing.T) {
		lockA := d.NewLock(a.Conn, "hoist_migrations")
		lockB := d.NewLock(b.Conn, "some_other_database.hoist_migrations")
		enginetest.TryAcquire(t, lockA, true)
		enginetest.TryAcquire(t, lockB, true)
		enginetest.Release(t, lockA)
		enginetest.Release(t, lockB)
	})

	t.Run("long_name_is_hashed", func(t *testing.T) {
		table := strings.Repeat("long_", 12) + "migrations"
		lockA := d.NewLock(a.Conn, table)
		lockB := d.NewLock(b.Conn, table)
		enginetest.TryAcquire(t, lockA, true)
		sum := sha1.Sum([]byte(a.database + "." + table))
		if got, want := lockA.String(), "GET_LOCK('hoist:"+hex.EncodeToString(sum[:])+"')"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		enginetest.TryAcquire(t, lockB, false)
		if h := enginetest.Holder(t, lockB); !strings.HasPrefix(h, fmt.Sprintf("connection %d ", a.id)) {
			t.Errorf("Holder = %q, want connection %d", h, a.id)
		}
		enginetest.Release(t, lockA)
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

	_, err = mysql.New().NewLock(s.Conn, "hoist_migrations").TryAcquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no database selected") {
		t.Errorf("TryAcquire without a database = %v, want a \"no database selected\" error", err)
	}
	lock := mysql.New().NewLock(s.Conn, "app.hoist_migrations")
	enginetest.TryAcquire(t, lock, true) // a qualified table needs no current database
	enginetest.Release(t, lock)
}

// TestLockReleaseByAnotherConnection: MySQL tells a lock held by another
// connection from one nobody holds; the shared suite checks the rest of
// releasing a lock that is not held.
func TestLockReleaseByAnotherConnection(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	a, b := newSession(t, db.DSN), newSession(t, db.DSN)
	lockA := d.NewLock(a.Conn, "hoist_migrations")
	lockB := d.NewLock(b.Conn, "hoist_migrations")

	enginetest.TryAcquire(t, lockA, true)
	err := lockB.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another connection") {
		t.Errorf("Release by another connection = %v, want a \"held by another connection\" error", err)
	}
	enginetest.TryAcquire(t, lockB, false) // B's failed Release left A's lock alone
	enginetest.Release(t, lockA)
}
