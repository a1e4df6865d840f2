package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

// newSession opens a session of its own named app (application_name)
// and returns it with its backend pid.
func newSession(t *testing.T, db *testkit.DB, app string) (*enginetest.Session, int) {
	t.Helper()
	ctx := context.Background()
	s := enginetest.Open(t, db.Driver, db.DSN)
	if _, err := s.Conn.ExecContext(ctx, "SET application_name = '"+app+"'"); err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := s.Conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return s, pid
}

// TestLock checks the lock's name and what Holder says about the
// session holding it; the shared suite checks that it excludes.
func TestLock(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, pidA := newSession(t, db, "migrator_a")
	b, pidB := newSession(t, db, "migrator_b")
	lockA := d.NewLock(a.Conn, "hoist_migrations")
	lockB := d.NewLock(b.Conn, "hoist_migrations")

	sum := sha256.Sum256([]byte("hoist:hoist_migrations"))
	wantName := fmt.Sprintf("pg_advisory_lock(%d)", int64(binary.BigEndian.Uint64(sum[:8])))
	if got := lockA.String(); got != wantName {
		t.Errorf("String() = %q, want %q", got, wantName)
	}

	enginetest.TryAcquire(t, lockA, true)
	h := enginetest.Holder(t, lockB)
	t.Logf("Holder: %s", h)
	pattern := fmt.Sprintf(`^pid %d \(migrator_a\) from [0-9a-f.:]+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, pidA)
	if !regexp.MustCompile(pattern).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, pattern)
	}

	enginetest.Release(t, lockA)
	enginetest.TryAcquire(t, lockB, true)
	if h := enginetest.Holder(t, lockA); !strings.HasPrefix(h, fmt.Sprintf("pid %d (migrator_b)", pidB)) {
		t.Errorf("Holder after the lock changed hands = %q, want session B (pid %d)", h, pidB)
	}
	enginetest.Release(t, lockB)
}

// TestLockKeyIsTheTableAsWritten: the key hashes the table name as
// written, so a qualified spelling of the same table is another lock.
func TestLockKeyIsTheTableAsWritten(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, _ := newSession(t, db, "a")
	b, _ := newSession(t, db, "b")

	lockA := d.NewLock(a.Conn, "hoist_migrations")
	lockB := d.NewLock(b.Conn, "app.hoist_migrations")
	if lockA.String() == lockB.String() {
		t.Fatalf("both tables have lock %s", lockA)
	}
	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockB, true)
	enginetest.Release(t, lockA)
	enginetest.Release(t, lockB)
}
