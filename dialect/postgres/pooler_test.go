package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

// TestSharedSessionRefused: two locks on one session stand for two
// clients that a transaction pooler gives the same server session. The
// second must not take the lock the first holds (advisory locks are
// reentrant, so the server would say yes): it fails with
// ErrTransactionPooler, and the first still holds the lock, once.
func TestSharedSessionRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.Postgres(t)
	d := postgres.New()
	s := enginetest.Open(t, db.Driver, db.DSN)
	first, second := d.NewLock(s.Conn, "hoist_migrations"), d.NewLock(s.Conn, "hoist_migrations")
	enginetest.TryAcquire(t, first, true)
	if ok, err := second.TryAcquire(ctx); ok || !errors.Is(err, dialect.ErrTransactionPooler) || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("TryAcquire on a session that holds the lock: %v, %v; want ErrTransactionPooler", ok, err)
	}
	if err := first.(dialect.SessionChecker).CheckSession(ctx, db.DB); err != nil {
		t.Fatalf("CheckSession on a direct connection: %v; want nil", err)
	}
	enginetest.Release(t, first)
	var n int
	if err := db.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after one release, %d advisory locks are held (%v); want none", n, err)
	}
}

// TestLease: one lease row excludes a second migrator, names its holder,
// is renewed only by its owner, is taken over once expired, and its old
// owner then finds it lost instead of deleting the new owner's row.
func TestLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.Postgres(t)
	d := postgres.New()
	a := d.NewLease(db.DB, "hoist_migrations", time.Minute)
	b := d.NewLease(db.DB, "hoist_migrations", time.Minute)
	if got := a.String(); got != "the lease in hoist_migrations_lock" {
		t.Errorf("String() = %q", got)
	}
	if h := enginetest.Holder(t, b); h != "" {
		t.Errorf("Holder before the table exists = %q; want \"\"", h)
	}
	enginetest.TryAcquire(t, a, true)
	enginetest.TryAcquire(t, b, false)
	host, _ := os.Hostname()
	if h := enginetest.Holder(t, b); !strings.HasPrefix(h, fmt.Sprintf("pid %d on %s since ", os.Getpid(), host)) || !strings.Contains(h, ", lease until ") {
		t.Errorf("Holder = %q; want this process, since when, and until when", h)
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatalf("Renew by the owner: %v", err)
	}
	if _, err := db.DB.ExecContext(ctx, "UPDATE hoist_migrations_lock SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	enginetest.TryAcquire(t, b, true)
	if err := a.Renew(ctx); !errors.Is(err, dialect.ErrLeaseLost) {
		t.Fatalf("Renew after a takeover: %v; want ErrLeaseLost", err)
	}
	if err := a.Release(ctx); !errors.Is(err, dialect.ErrLeaseLost) {
		t.Fatalf("Release after a takeover: %v; want ErrLeaseLost", err)
	}
	enginetest.TryAcquire(t, a, false) // b's row survived a's release
	enginetest.Release(t, b)
	enginetest.TryAcquire(t, a, true)
	enginetest.Release(t, a)
}
