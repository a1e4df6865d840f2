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

// TestLockKeyTellsTablesApart: tables of the same name in two schemas
// have two locks.
func TestLockKeyTellsTablesApart(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	a, _ := newSession(t, db, "a")
	b, _ := newSession(t, db, "b")
	lockA := d.NewLock(a.Conn, "hoist_migrations")
	lockB := d.NewLock(b.Conn, "app.hoist_migrations")
	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockB, true)
	if lockA.String() == lockB.String() {
		t.Fatalf("both tables have lock %s", lockA)
	}
	enginetest.Release(t, lockA)
	enginetest.Release(t, lockB)
}

// TestLockKeyResolvesTheSchema: one table is one lock however it is
// spelt. An unqualified name is the table in the session's current
// schema, so it shares its lock with the qualified name of that table,
// and the key of a table in public is the one it always was.
func TestLockKeyResolvesTheSchema(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	ctx := context.Background()
	if _, err := db.DB.ExecContext(ctx, "CREATE SCHEMA app"); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hoist:hoist_migrations"))
	publicKey := fmt.Sprintf("pg_advisory_lock(%d)", int64(binary.BigEndian.Uint64(sum[:8])))

	for _, c := range []struct {
		name           string
		searchPath     string // of session a
		tableA, tableB string
		wantKey        string // of both locks, if not ""
	}{
		{"public_unqualified_first", "", "hoist_migrations", "public.hoist_migrations", publicKey},
		{"public_qualified_first", "", "public.hoist_migrations", "hoist_migrations", publicKey},
		{"app_by_search_path", "app, public", "hoist_migrations", "app.hoist_migrations", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, pidA := newSession(t, db, "holder_"+c.name)
			b, _ := newSession(t, db, "waiter_"+c.name)
			if c.searchPath != "" {
				if _, err := a.Conn.ExecContext(ctx, "SET search_path = "+c.searchPath); err != nil {
					t.Fatal(err)
				}
			}
			lockA := d.NewLock(a.Conn, c.tableA)
			lockB := d.NewLock(b.Conn, c.tableB)
			enginetest.TryAcquire(t, lockA, true)
			enginetest.TryAcquire(t, lockB, false)
			if h := enginetest.Holder(t, lockB); !strings.HasPrefix(h, fmt.Sprintf("pid %d (holder_%s)", pidA, c.name)) {
				t.Errorf("Holder = %q; want session A, pid %d", h, pidA)
			}
			if lockA.String() != lockB.String() || c.wantKey != "" && lockA.String() != c.wantKey {
				t.Errorf("locks %s and %s; want one lock %s", lockA, lockB, c.wantKey)
			}
			enginetest.Release(t, lockA)
			enginetest.TryAcquire(t, lockB, true)
			enginetest.Release(t, lockB)
		})
	}
}
